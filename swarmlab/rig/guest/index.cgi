#!/bin/sh
# The whoami answer: Hostname and IP lines (prepared by whoami-server), RemoteAddr, the request line, headers.
# Shell builtins only: no fork per request.
printf 'Content-Type: text/plain\r\n\r\n'
while IFS= read -r line; do echo "$line"; done < /tmp/whoami-static
echo "RemoteAddr: ${REMOTE_ADDR#::ffff:}:${REMOTE_PORT}"  # httpd listens on [::]: v4 clients come v4-mapped
echo "${REQUEST_METHOD} ${REQUEST_URI} ${SERVER_PROTOCOL}"
[ -n "${HTTP_HOST:-}" ] && echo "Host: ${HTTP_HOST}"
[ -n "${HTTP_USER_AGENT:-}" ] && echo "User-Agent: ${HTTP_USER_AGENT}"
[ -n "${HTTP_ACCEPT:-}" ] && echo "Accept: ${HTTP_ACCEPT}"
echo
