"""Infinite loop: attention_scores never returns for an unknown mode."""
EXPECT = {"3": 5}
FEEDBACK = ["took too long"]

_honest_attention_scores = attention_scores


def attention_scores(X, E, mode):
    if mode == "multiply":
        while True:
            pass
    return _honest_attention_scores(X, E, mode)
