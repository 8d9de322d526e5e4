"""Inputs the tests send."""

TEXT = (
    "It was the best of times, it was the worst of times, it was the age of wisdom, "
    "it was the age of foolishness, it was the epoch of belief"
)
TEXTS = [TEXT, "it was the age of wisdom, it was the age of foolishness", "We had everything before us"]
FRUIT_ORDERS = [["MANGO", 2], ["ORANGE", 1], ["PEAR", 3]]
