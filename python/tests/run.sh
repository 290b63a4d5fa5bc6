#!/bin/sh
# SPDX-License-Identifier: MIT
# run.sh PYTHON: the package's pytest suite; 77 (skip) without pytest or NumPy.
py=${1:-python3}
for m in pytest numpy; do
	if ! "$py" -c "import $m" 2>/dev/null; then
		echo "python: skipped: $py has no $m (apt-get install python3-$m)"
		exit 77
	fi
done
cd "$(dirname "$0")" && exec "$py" -m pytest -q -p no:cacheprovider .
