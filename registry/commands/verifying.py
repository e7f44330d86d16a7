"""``cityreg verify``: check the publications a published site keeps."""

from __future__ import annotations

from pathlib import Path

import click

from registry.commands._common import plural

EXIT_VERIFIED = 0
EXIT_MISMATCH = 1


@click.command("verify")
@click.argument("site", metavar="SITE", type=click.Path(path_type=Path))
def verify(site: Path) -> None:
    """Check that the publications kept in SITE (a folder written by `cityreg publish`) are
    as they were published.

    Every file of every publication must have the SHA-256 its manifest lists, and every
    manifest the checksum the next one (or SITE/manifest.json, for the latest) links it by,
    with no publication missing or added; the dumps at the top of SITE must be the latest
    publication's. Prints the first file or link that does not match.

    Exit codes: 0 everything matches, 1 something does not, 2 error (SITE is not a
    published site).
    """
    from registry.web.verify import verify as verify_site

    result = verify_site(site)
    if result.mismatch is not None:
        click.echo(str(result.mismatch))
        click.get_current_context().exit(EXIT_MISMATCH)
    names = result.publications
    span = names[0] if len(names) == 1 else f"{names[0]} to {names[-1]}"
    click.echo(f"Verified {plural(len(names), 'publication')} ({span}): "
               f"{plural(result.files_checked, 'file')} match their checksums, and the chain "
               "is unbroken.")
    click.get_current_context().exit(EXIT_VERIFIED)


COMMANDS: list[click.Command] = [verify]
