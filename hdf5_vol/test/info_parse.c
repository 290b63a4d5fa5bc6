// SPDX-License-Identifier: MIT
/*
 * The connector's info string parser, alone: good strings give exactly
 * what they say, bad ones fail with a message naming the problem, and
 * none crashes (run under the sanitizers too).
 */
#define _GNU_SOURCE
#include "phxcheck.h"

#include "vol_info_parse.h"

static void good(const char *str, int has_value, int value, const char *name,
		 const char *info, int device)
{
	struct phxvol_info_spec s;
	char err[256];

	if (phxvol_info_parse(str, &s, err, sizeof(err))) {
		PT_CHECK(0, "\"%s\": refused: %s", str ? str : "(null)", err);
		return;
	}
	PT_CHECK(s.has_value == (has_value != 0) &&
		 (!has_value || s.value == value) &&
		 (name ? s.name && !strcmp(s.name, name) : s.name == NULL) &&
		 (info ? s.under_info && !strcmp(s.under_info, info) :
			 s.under_info == NULL) &&
		 s.device == device,
		 "\"%s\": got value %d/%d name %s info %s device %d",
		 str ? str : "(null)", s.has_value, s.value,
		 s.name ? s.name : "-", s.under_info ? s.under_info : "-",
		 s.device);
	phxvol_info_spec_free(&s);
}

static void bad(const char *str, const char *must_say)
{
	struct phxvol_info_spec s;
	char err[256];

	if (!phxvol_info_parse(str, &s, err, sizeof(err))) {
		PT_CHECK(0, "\"%s\": accepted", str);
		phxvol_info_spec_free(&s);
		return;
	}
	PT_CHECK(strstr(err, must_say), "\"%s\": message \"%s\" does not say \"%s\"",
		 str, err, must_say);
	/* Nothing to free after a failure; the spec is empty. */
	PT_CHECK(!s.name && !s.under_info, "\"%s\": left allocations behind",
		 str);
}

int main(int argc, char **argv)
{
	(void)argc;
	pt_init(argv[0]);
	good(NULL, 0, 0, NULL, NULL, -1);
	good("", 0, 0, NULL, NULL, -1);
	good("   ", 0, 0, NULL, NULL, -1);
	good("under_vol=0;under_info={}", 1, 0, NULL, "", -1);
	good("under_vol=0", 1, 0, NULL, NULL, -1);
	good(" under_vol = 512 ; under_info = { a=1 } ; ", 1, 512, NULL, " a=1 ",
	     -1);
	good("under_vol_name=native;under_info={}", 0, 0, "native", "", -1);
	good("device=3;under_vol=0;under_info={}", 1, 0, NULL, "", 3);
	good("device=63", 0, 0, NULL, NULL, 63);
	/* Nested braces: another pass-through connector's own info. */
	good("under_vol=1;under_info={under_vol=0;under_info={}}", 1, 1, NULL,
	     "under_vol=0;under_info={}", -1);
	good("under_vol=2147483647", 1, 2147483647, NULL, NULL, -1);

	bad("under_vol", "expected '='");
	bad("under_vol=", "not a connector value");
	bad("under_vol=abc", "not a connector value");
	bad("under_vol=-1", "not a connector value");
	bad("under_vol=12x", "not a connector value");
	bad("under_vol=2147483648", "not a connector value");
	bad("under_vol=99999999999999999999999", "not a connector value");
	bad("under_vol=0;under_vol=1", "given twice");
	bad("under_vol=0;under_vol_name=native", "both given");
	bad("under_vol_name=", "is empty");
	bad("under_vol_name=a b", "no spaces or braces");
	bad("under_vol_name=x;under_vol_name=y", "given twice");
	bad("under_info={}", "without 'under_vol'");
	bad("under_vol=0;under_info=", "in braces");
	bad("under_vol=0;under_info=abc", "in braces");
	bad("under_vol=0;under_info={", "no '}' closes");
	bad("under_vol=0;under_info={{}", "no '}' closes");
	bad("under_vol=0;under_info={}}", "expected ';' or the end");
	bad("under_vol=0;under_info={}x", "expected ';' or the end");
	bad("under_vol=0;under_info={};under_info={}", "given twice");
	bad("device=64", "not a device number");
	bad("device=-1", "not a device number");
	bad("device=", "not a device number");
	bad("device=1;device=2", "given twice");
	bad("colour=blue", "unknown key 'colour'");
	bad("under_vol=0;;", "empty entry");
	bad(";", "empty entry");
	bad("=0", "expected a key");
	bad("under vol=0", "expected '='");
	bad("under_vol=0 junk", "not a connector value");
	bad("{}", "expected a key");

	/* A message longer than the buffer is cut, never overrun. */
	{
		struct phxvol_info_spec s;
		char err[8];

		PT_CHECK(phxvol_info_parse("colour=blue", &s, err, sizeof(err)) &&
			 strlen(err) == sizeof(err) - 1, "short error buffer");
		PT_CHECK(phxvol_info_parse("colour=blue", &s, NULL, 0),
			 "accepted without an error buffer");
	}
	return pt_summary();
}
