"""eval/export_verifier.py: what the manifest says the verifier started from."""

import eval_scripts

export_verifier = eval_scripts.load("export_verifier")


def test_the_manifest_names_the_encoder_the_verifier_started_from():
    assert export_verifier.encoder_source({"init": None}) == "all-MiniLM-L6-v2"
    assert export_verifier.encoder_source({}) == "all-MiniLM-L6-v2"
    named = export_verifier.encoder_source({"init": "runs/xfit0-kw/model-epoch1.pt"})
    assert named.startswith("the reader weights runs/xfit0-kw/model-epoch1.pt")
