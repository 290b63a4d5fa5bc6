# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# Sourced by the scripts in this directory.

# Where builds go: <source>/build*, wherever the source tree is (the VM
# tests' guest sees the host's /tmp too).
phxfs_build_root() {
	echo "$1"
}

# The apt mirror of this machine's own configuration, for a suite: prints the
# private deb822 lines "URIs: <first URI>" and, if the entry has one, its
# "Signed-By:" field verbatim (a path, or an inline key block on the lines
# that follow), or nothing when no enabled entry names the suite. Reads
# /etc/apt/sources.list.d/*.sources, else the one-line format
# (/etc/apt/sources.list, sources.list.d/*.list).
phxfs_mirror_stanza() {
	local want=$1 f out=
	local parts=()
	for f in /etc/apt/sources.list.d/*.sources; do [[ -f "$f" ]] && parts+=("$f"); done
	if [[ ${#parts[@]} -gt 0 ]]; then
		out=$(awk -v want="$want" '
      function flush() {
        if (!done && uris != "" && tolower(enabled) != "no" &&
            (" " types " ") ~ /[ \t]deb(-src)?[ \t]/ &&
            (" " suites " ") ~ ("[ \t]" want "[ \t]")) {
          split(uris, u, /[ \t]+/)
          print "URIs: " u[1]
          if (signed != "") print signed
          done = 1
        }
        types = suites = uris = signed = enabled = cur = ""
      }
      FNR == 1 { flush() }
      /^#/ { next }
      /^[ \t]*$/ { flush(); next }
      /^[ \t]/ {
        if (cur == "signed-by") signed = signed "\n" $0
        else if (cur == "uris") uris = uris " " $0
        else if (cur == "suites") suites = suites " " $0
        else if (cur == "types") types = types " " $0
        next
      }
      {
        i = index($0, ":"); if (i == 0) next
        cur = tolower(substr($0, 1, i - 1)); v = substr($0, i + 1)
        gsub(/^[ \t]+|[ \t]+$/, "", v)
        if (cur == "types") types = v
        else if (cur == "suites") suites = v
        else if (cur == "uris") uris = v
        else if (cur == "enabled") enabled = v
        else if (cur == "signed-by") signed = "Signed-By:" substr($0, i + 1)
      }
      END { flush() }
    ' "${parts[@]}")
	fi
	if [[ -z "$out" ]]; then
		parts=()
		for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do [[ -f "$f" ]] && parts+=("$f"); done
		[[ ${#parts[@]} -gt 0 ]] || return 0
		out=$(awk -v want="$want" '
    { sub(/^[ \t]+/, "") }
    /^#/ { next }
    $1 == "deb" || $1 == "deb-src" {
      line = $0; opts = ""
      sub(/^deb(-src)?[ \t]+/, "", line)
      if (substr(line, 1, 1) == "[") {
        j = index(line, "]"); if (j == 0) next
        opts = substr(line, 2, j - 2); line = substr(line, j + 1)
      }
      n = split(line, f, /[ \t]+/)
      k = 1; if (f[1] == "") k = 2
      if (f[k + 1] != want) next
      print "URIs: " f[k]
      if (match(opts, /signed-by=[^ \t]+/)) print "Signed-By: " substr(opts, RSTART + 10, RLENGTH - 10)
      exit
    }
  ' "${parts[@]}")
	fi
	[[ -z "$out" ]] || printf '%s\n' "$out"
}
