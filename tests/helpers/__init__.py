"""What the tests share: the local Ray cluster, config editing, HTTP calls, reference answers, the tiny
offline models, texts. Test modules import from here, never from each other."""
