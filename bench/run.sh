#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# make bench: every benchmark, each printing its figure next to a baseline
# measured in the same run on the same machine.
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
"$here/boot_measure.sh" "$build"
"$here/footprint.sh" "$build"
"$here/install.sh" "$build"
"$here/remediate.sh" "$build"
"$here/ingest_udp.sh" "$build"
"$here/ingest_psk.sh" "$build"
"$here/ingest_tls.sh" "$build"
"$here/ingest_http.sh" "$build"
"$here/fleet.sh" "$build"
"$here/api_reads.sh" "$build"
echo "== IPsec ingest: not measured (the SeGW tunnel runs user-space ESP, kernel-libipsec; its rate would be strongSwan's, not maydayd's)"
