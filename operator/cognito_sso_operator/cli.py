"""Command line: `run` the operator, print the `crd`, `validate` and `render` manifests offline."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from . import __version__


def cmd_crd(args: argparse.Namespace) -> int:
    from .crd import render_crd_yaml

    sys.stdout.write(render_crd_yaml())
    return 0


def cmd_reference(args: argparse.Namespace) -> int:
    from .reference import render_reference

    sys.stdout.write(render_reference())
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from .validate import validate_files_command

    return validate_files_command(args.file, online=args.online)


def cmd_render(args: argparse.Namespace) -> int:
    from .render import render_files_command

    return render_files_command(args.file, output=args.output, secret_file=args.client_secret_file)


def cmd_run(args: argparse.Namespace) -> int:
    from .runner import run

    return run(
        namespaces=args.namespace,
        all_namespaces=args.all_namespaces,
        standalone=not args.peering,
        liveness=args.liveness,
        log_format=args.log_format,
        verbose=args.verbose,
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cognito-sso-operator",
        description="Manage AWS Cognito SSO for OpenMetadata from one CognitoSSO resource.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("run", help="run the operator against the current KUBECONFIG / in-cluster config")
    scope = p.add_mutually_exclusive_group()
    scope.add_argument("-n", "--namespace", action="append", default=[],
                       help="watch this namespace (repeatable); default: COGNITO_SSO_NAMESPACES or all")
    scope.add_argument("-A", "--all-namespaces", action="store_true", help="watch all namespaces")
    p.add_argument("--peering", action="store_true",
                   help="use kopf peering (standby replicas); default is standalone")
    p.add_argument("--liveness", default=None,
                   help="liveness endpoint, e.g. http://0.0.0.0:8081/healthz (default from settings)")
    p.add_argument("--log-format", choices=["json", "text"], default=None,
                   help="log format (default: COGNITO_SSO_LOG_FORMAT or json)")
    p.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("crd", help="print the CognitoSSO CustomResourceDefinition")
    p.set_defaults(func=cmd_crd)

    p = sub.add_parser("reference", help="print the field reference (Markdown) generated from the models")
    p.set_defaults(func=cmd_reference)

    p = sub.add_parser("validate", help="validate CognitoSSO manifests without a cluster")
    p.add_argument("-f", "--file", action="append", required=True, help="manifest file ('-' for stdin); repeatable")
    p.add_argument("--online", action="store_true", help="also check the live Cognito discovery document and JWKS")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("render", help="print what the operator would write (secret values redacted)")
    p.add_argument("-f", "--file", action="append", required=True, help="manifest file ('-' for stdin); repeatable")
    p.add_argument("-o", "--output", default="all",
                   choices=["env", "configmap", "secret-template", "helm-values", "all"])
    p.add_argument("--client-secret-file", default=None,
                   help="hash with this secret instead of a placeholder (its value is never printed)")
    p.set_defaults(func=cmd_render)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    code: int = args.func(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
