#!/usr/bin/env bash
# What `npm test` runs before the tests proper: the typecheck, ESLint, the
# Prettier check and the web build. They are independent and mostly
# single-threaded, so they run at once; each one's output is shown whole when
# it fails, and the tests do not start unless all of them pass.
set -uo pipefail
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

checks=(typecheck lint format:check build:web)
for check in "${checks[@]}"; do
  (
    npm run -s "$check" >"$dir/$check.log" 2>&1
    echo $? >"$dir/$check.rc"
  ) &
done
wait

failed=0
for check in "${checks[@]}"; do
  code=$(cat "$dir/$check.rc")
  if [[ $code == 0 ]]; then
    echo "npm run $check: ok"
  else
    echo "npm run $check: failed (exit $code)"
    cat "$dir/$check.log"
    failed=1
  fi
done
exit $failed
