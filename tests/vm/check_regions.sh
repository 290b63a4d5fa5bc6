#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Host check of the VM tests: for each "REGION BAR_OFF DISK_OFF LEN" line of
# the guest's output, the BAR's backing file and the disk image must hold
# the same bytes there. Run by tests/vm/phxvm --host-check.
set -euo pipefail

n=0
while read -r _ bar_off disk_off len what; do
	if ! cmp -s <(dd if="$PHXVM_BAR_FILE" iflag=skip_bytes,count_bytes \
			skip="$bar_off" count="$len" status=none) \
		    <(dd if="$PHXVM_DISK_IMAGE" iflag=skip_bytes,count_bytes \
			skip="$disk_off" count="$len" status=none); then
		echo "check_regions: $what of $len bytes: device memory at $bar_off and disk at $disk_off differ" >&2
		exit 1
	fi
	n=$((n + 1))
done < <(grep -a '^REGION ' "$PHXVM_GUEST_OUTPUT" | tr -d '\r')
if [ "$n" = 0 ]; then
	echo "check_regions: the guest reported no regions" >&2
	exit 1
fi
echo "check_regions: $n regions identical in device memory and on disk"
