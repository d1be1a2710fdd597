#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The dashboard's files (issue 18, server/srv_ui.h) as maydayd serves them
# on the management listener, with curl on loopback:
#  - /ui moves to /ui/, which is index.html; every file in web/ is served
#    byte for byte from maydayd's image (the test compares with web/) with
#    its Content-Type, an ETag (If-None-Match: 304, no body), Cache-Control
#    no-cache, the Content-Security-Policy (no inline script or style) and
#    nosniff; HEAD gives the GET's Content-Length;
#  - no token is needed for the files, and they are all there is: an unknown
#    file, a directory, a "..", a POST get 404/405, the API's data still 401
#    without a token, and the UNIX socket serves no file (the API's 404);
#  - the files themselves hold no inline script, no inline style, no
#    event-handler attribute, no innerHTML and no address off this server.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/test_server_common.sh"
src=$(cd "$here/../.." && pwd)
command -v curl >/dev/null || fail "curl missing"

files="index.html app.css favicon.svg js/main.js js/api.js js/dom.js js/chart.js js/summary.js js/devices.js
       js/device.js js/anomalies.js js/confirm.js"
API_LINES="listen = 127.0.0.1:0" start_daemon
aport=$(listen_port api)
[ -n "$aport" ] || fail "no api listener in the log"
base="http://127.0.0.1:$aport"
# req [curl args] URL: prints the status; body in $work/body, headers in $work/hdr
req() { rm -f "$work/body"; curl -sS -o "$work/body" -D "$work/hdr" -w '%{http_code}' --max-time 30 "$@" || true; }
hdr() { sed -n "s/^$1: \\(.*\\)\\r\$/\\1/Ip" "$work/hdr" | head -1; }
csp="default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

[ "$(req "$base/ui")" = 301 ] && [ "$(hdr Location)" = /ui/ ] || fail "/ui: $(cat "$work/hdr")"
[ "$(req "$base/ui/")" = 200 ] || fail "/ui/: $(head -3 "$work/hdr")"
cmp -s "$work/body" "$src/web/index.html" || fail "/ui/ is not web/index.html"
for f in $files; do
  [ "$(req "$base/ui/$f")" = 200 ] || fail "/ui/$f: $(head -1 "$work/hdr")"
  cmp -s "$work/body" "$src/web/$f" || fail "/ui/$f differs from web/$f"
  case $f in
    *.html) want="text/html; charset=utf-8" ;;
    *.css) want="text/css; charset=utf-8" ;;
    *.js) want="text/javascript; charset=utf-8" ;;
    *.svg) want="image/svg+xml" ;;
  esac
  [ "$(hdr Content-Type)" = "$want" ] || fail "/ui/$f: Content-Type $(hdr Content-Type)"
  [ "$(hdr Content-Security-Policy)" = "$csp" ] || fail "/ui/$f: CSP $(hdr Content-Security-Policy)"
  [ "$(hdr X-Content-Type-Options)" = nosniff ] || fail "/ui/$f: no nosniff"
  [ "$(hdr Cache-Control)" = no-cache ] || fail "/ui/$f: Cache-Control $(hdr Cache-Control)"
  etag=$(hdr ETag)
  [[ $etag =~ ^\"[0-9a-f]{32}\"$ ]] || fail "/ui/$f: ETag $etag"
  [ "$(req -H "If-None-Match: $etag" "$base/ui/$f")" = 304 ] || fail "/ui/$f: If-None-Match $etag"
  [ ! -s "$work/body" ] || fail "/ui/$f: a 304 with a body"
  [ "$(req -H 'If-None-Match: "0000"' "$base/ui/$f")" = 200 ] || fail "/ui/$f: another ETag is not a 304"
done
echo "ok: every file served from maydayd's image with its type, ETag (304), CSP and caching"

[ "$(req -I "$base/ui/app.css")" = 200 ] || fail "HEAD /ui/app.css"
[ "$(hdr Content-Length)" = "$(stat -c %s "$src/web/app.css")" ] || fail "HEAD: Content-Length $(hdr Content-Length)"
for p in /ui/nope.js /ui/js /ui/js/ /ui/../v1/whoami /ui/%2e%2e/web/index.html /ui/index.html/ /uix; do
  code=$(req --path-as-is "$base$p")
  case $p in
    /uix) [ "$code" = 401 ] || fail "$p: $code (not the dashboard's: the API's 401)" ;;
    *) [ "$code" = 404 ] || fail "$p: $code, want 404" ;;
  esac
done
[ "$(req -X POST "$base/ui/index.html")" = 405 ] || fail "POST /ui/index.html"
[ "$(req "$base/v1/devices")" = 401 ] || fail "/v1/devices without a token"
[ "$(req --unix-socket "$api_sock" http://localhost/ui/)" = 404 ] ||
  fail "the UNIX socket: /ui/ $(head -1 "$work/hdr") (the socket serves the API only)"
echo "ok: only the listed files, only read; the API still wants a token; the socket serves no file"

cd "$src/web"
! grep -nE '<script>|<script [^>]*>[^<]|<style|style=|[[:space:]]on[a-z]+=' index.html ||
  fail "index.html has inline script, style or an event-handler attribute"
! grep -nE 'innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function|https?://[a-z]' \
  js/*.js app.css | grep -v 'http://www.w3.org/2000/svg' ||
  fail "the dashboard's code parses markup, evaluates code or names another server"
# if the scripts fail, a plain form submission must not put the token in
# the address: the field has no name (and CSP form-action 'none')
! grep -nE '<input[^>]*id="token"[^>]*name=' index.html ||
  fail "the token field has a name: a form submitted without the scripts would send it"
echo "ok: no inline script or style, no markup parsed from data, no other server"
stop_daemon
