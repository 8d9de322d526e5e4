"""How a batch is split into decoding groups, and which lengths a request gets."""

from textml.models.batching import Job, decoding_groups, reconciled


def test_jobs_are_grouped_by_engine_task_and_settings_in_order():
    """A batch never mixes models, tasks or settings in one engine call."""
    marian, nllb = object(), object()
    jobs = [
        Job("translation_en_to_fr", "a", engine=nllb),
        Job("translation_en_to_de", "b", engine=nllb),
        Job("translation_en_to_fr", "c", engine=nllb),
        Job("summarization", "d", (("max_length", 5),), engine=nllb),
        Job("summarization", "e", engine=nllb),
        Job("translation_en_to_de", "f", engine=marian),
    ]
    assert decoding_groups(jobs) == {
        (nllb, "translation_en_to_fr", ()): [0, 2],
        (nllb, "translation_en_to_de", ()): [1],
        (nllb, "summarization", (("max_length", 5),)): [3],
        (nllb, "summarization", ()): [4],
        (marian, "translation_en_to_de", ()): [5],
    }


def test_a_requests_lengths_win_over_configured_ones():
    configured = {"num_beams": 4, "min_length": 5, "max_length": 15}
    assert reconciled(configured, {}) == configured
    assert reconciled(configured, {"max_length": 3}) == {"num_beams": 4, "min_length": 3, "max_length": 3}
    assert reconciled(configured, {"min_length": 20}) == {"num_beams": 4, "min_length": 20, "max_length": 20}
    assert reconciled(configured, {"min_length": 6, "max_length": 9})["min_length"] == 6
