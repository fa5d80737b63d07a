"""`make dev` leaves the work tree as it found it: every npm install the Makefile runs is told not to rewrite the
committed lock (npm would otherwise drop or add other platforms' optional packages), and the lock agrees with
package.json so there is nothing for npm to save."""
import json
import re

from tests.support.servers import repo_root


def test_every_npm_install_in_the_makefile_keeps_the_lock() -> None:
    recipes = [line for line in (repo_root() / "Makefile").read_text().splitlines() if line.startswith("\t")]
    installs = [m for line in recipes for m in re.findall(r"npm (?:install|i)\b[^;}]*", line)]
    assert installs, "the Makefile installs the web app's packages"
    for command in installs:
        assert "--no-save" in command or "--package-lock=false" in command, command


def test_the_lock_lists_exactly_the_packages_of_package_json() -> None:
    web = repo_root() / "web"
    package = json.loads((web / "package.json").read_text())
    root = json.loads((web / "package-lock.json").read_text())["packages"][""]
    for kind in ("dependencies", "devDependencies"):
        assert root.get(kind, {}) == package.get(kind, {}), kind
    for name in package["devDependencies"]:
        assert f"node_modules/{name}" in json.loads((web / "package-lock.json").read_text())["packages"], name
