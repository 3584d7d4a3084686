"""docs/reference.md is generated from the models; it fails here when it drifts."""

from __future__ import annotations

from pathlib import Path

from cognito_sso_operator.reference import render_reference

REPO = Path(__file__).resolve().parents[2]


def test_reference_doc_matches_the_models() -> None:
    committed = (REPO / "docs" / "reference.md").read_text()
    assert committed == render_reference(), "docs/reference.md is stale: run `make docs`"


def test_reference_covers_every_spec_field_and_rule() -> None:
    text = render_reference()
    for field in ("`authority`", "`clientSecretRef`", "`sessionExpirySeconds`", "`adminPrincipals`",
                  "`restartPolicy`", "`storedConfig`", "`helmValues`", "`observedGeneration`", "`configHash`"):
        assert field in text
    assert "## `spec.oidc.clientSecretRef`" in text
    assert "must be login, select_account or empty" in text
