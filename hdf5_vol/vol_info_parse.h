/* SPDX-License-Identifier: MIT */
/*
 * The connector's info string, parsed without HDF5: a pure function, so
 * that it can be tested alone.
 *
 *	under_vol=<value> | under_vol_name=<name>
 *	;under_info={<string, braces balanced>}
 *	;device=<0..63>
 *
 * Keys in any order, each at most once, spaces around keys, values and
 * separators ignored, a trailing ';' allowed; an empty string is the
 * native connector beneath.
 */
#ifndef PHXFS_VOL_INFO_PARSE_H
#define PHXFS_VOL_INFO_PARSE_H

#include <stdbool.h>
#include <stddef.h>

#define PHXVOL_MAX_DEVICE 63

struct phxvol_info_spec {
	bool has_value;		/* under_vol given */
	int value;		/* its value, >= 0 */
	char *name;		/* under_vol_name, or NULL */
	char *under_info;	/* what was between the braces, or NULL */
	int device;		/* device=, or -1 */
};

/*
 * phxvol_info_parse() - parse @str (NULL: empty) into @spec
 * Return: 0, or -1 with a message naming what is wrong in @err (@len
 * bytes); @spec then holds nothing to free.
 */
int phxvol_info_parse(const char *str, struct phxvol_info_spec *spec,
		      char *err, size_t len);

void phxvol_info_spec_free(struct phxvol_info_spec *spec);

#endif /* PHXFS_VOL_INFO_PARSE_H */
