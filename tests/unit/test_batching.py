"""How a batch is split into decoding groups, and which lengths a request gets."""

from textml.models.batching import Job, decoding_groups, reconciled


def test_jobs_are_grouped_by_task_and_settings_in_order():
    jobs = [
        Job("translation_en_to_fr", "a"),
        Job("translation_en_to_de", "b"),
        Job("translation_en_to_fr", "c"),
        Job("summarization", "d", (("max_length", 5),)),
        Job("summarization", "e"),
    ]
    assert decoding_groups(jobs) == {
        ("translation_en_to_fr", ()): [0, 2],
        ("translation_en_to_de", ()): [1],
        ("summarization", (("max_length", 5),)): [3],
        ("summarization", ()): [4],
    }


def test_a_requests_lengths_win_over_configured_ones():
    configured = {"num_beams": 4, "min_length": 5, "max_length": 15}
    assert reconciled(configured, {}) == configured
    assert reconciled(configured, {"max_length": 3}) == {"num_beams": 4, "min_length": 3, "max_length": 3}
    assert reconciled(configured, {"min_length": 20}) == {"num_beams": 4, "min_length": 20, "max_length": 20}
    assert reconciled(configured, {"min_length": 6, "max_length": 9})["min_length"] == 6
