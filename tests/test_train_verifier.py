"""eval/train_verifier.py: starting the verifier from a reader's weights (no training)."""

import eval_scripts
import torch
from transformers import BertConfig, BertModel

train_reader = eval_scripts.load("train_reader")
train_verifier = eval_scripts.load("train_verifier")


def _encoder(seed: int) -> BertModel:
    torch.manual_seed(seed)
    config = BertConfig(
        vocab_size=50, hidden_size=8, num_hidden_layers=1, num_attention_heads=2,
        intermediate_size=16, max_position_embeddings=32,
    )  # fmt: skip
    return BertModel(config)


def test_a_verifier_starts_from_the_encoder_of_a_reader_and_not_its_span_head():
    reader = train_reader.SpanReader(_encoder(1))
    weights = train_verifier.encoder_weights(reader.state_dict())
    assert weights and not any(k.startswith("qa.") for k in weights)
    model = train_verifier.Verifier(_encoder(2))
    model.encoder.load_state_dict(weights)  # strict: every encoder weight, nothing else
    for name, value in reader.encoder.state_dict().items():
        assert torch.equal(model.encoder.state_dict()[name], value)
