"""What batching and the engine do, exported through Ray's metrics (Prometheus names get a `ray_` prefix;
Serve adds the deployment, replica and application tags)."""

from ray.serve import metrics


class EngineMetrics:
    def __init__(self):
        # Ray exports a histogram's sum as if each value sat mid-bucket: half-integer boundaries put the
        # midpoints on whole batch sizes, so the sum (and the mean batch size) is exact up to max_batch_size 64.
        self.batch_size = metrics.Histogram(
            "textml_batch_size",
            description="Requests decoded together in one engine call.",
            boundaries=[n + 0.5 for n in range(65)] + [96.5, 128.5, 256.5],
            tag_keys=("task",),
        )
        self.queue_wait = metrics.Histogram(
            "textml_queue_wait_seconds",
            description="Time a request waited for its batch to start.",
            boundaries=[0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
        )
        self.engine_time = metrics.Histogram(
            "textml_engine_seconds",
            description="Time of one engine call on one batch.",
            boundaries=[0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
            tag_keys=("engine", "task"),
        )
        self.tokens = metrics.Counter(
            "textml_generated_tokens", description="Tokens the engine generated.", tag_keys=("task",)
        )

    def engine_call(self, engine: str, task: str, batch_size: int, seconds: float, tokens: int):
        self.engine_time.observe(seconds, tags={"engine": engine, "task": task})
        self.batch_size.observe(batch_size, tags={"task": task})
        if tokens:  # Ray's counters refuse an increment of 0
            self.tokens.inc(tokens, tags={"task": task})
