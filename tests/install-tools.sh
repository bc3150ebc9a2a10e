#!/usr/bin/env bash
# Install the system tools and servers some tests drive when missing: Debian's newsboat and
# chromium (feed readers), postgresql and redis-server (the shared store and the crawl queue;
# the tests start their own servers on free ports in temporary folders, never the system's).
# Best effort: without root or apt-get the tests that need a tool skip and say why.
# With arguments (e.g. `postgresql redis-server`, for make cluster-demo), only those.
set -uo pipefail

wanted=("$@")
[ ${#wanted[@]} -eq 0 ] && wanted=(newsboat chromium postgresql redis-server)
missing=()
for tool in "${wanted[@]}"; do
    case "$tool" in
        chromium) command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 \
                      || missing+=(chromium) ;;
        postgresql) compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || missing+=(postgresql) ;;
        *) command -v "$tool" >/dev/null 2>&1 || missing+=("$tool") ;;
    esac
done
[ ${#missing[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-tools: no apt-get; tests needing ${missing[*]} will skip" >&2
    exit 0
fi
as_root=()
if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        as_root=(sudo -n)
    else
        echo "install-tools: not root; tests needing ${missing[*]} will skip" >&2
        exit 0
    fi
fi
echo "install-tools: installing ${missing[*]} with apt-get" >&2
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq >/dev/null 2>&1 || true
"${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    || echo "install-tools: apt-get could not install ${missing[*]}; those tests will skip" >&2
exit 0
