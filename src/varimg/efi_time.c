/* SPDX-License-Identifier: BSD-2-Clause */
/* EFI_TIME <-> U-Boot's variable time: seconds since 1970-01-01 00:00:00 (no time
 * zone), as U-Boot's rtc_mktime() makes it from an authentication descriptor's
 * TimeStamp. Civil-date arithmetic on the proleptic Gregorian calendar. */
#include <string.h>

#include "varimg_priv.h"

/* EFI_TIME: Year u16 @0, Month @2, Day @3, Hour @4, Minute @5, Second @6, Pad1 @7,
 * Nanosecond u32 @8, TimeZone i16 @12, Daylight @14, Pad2 @15. */

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = y / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = z / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	*m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static unsigned days_in_month(unsigned y, unsigned m)
{
	static const unsigned dm[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return dm[m - 1];
}

static uint64_t max_secs(void)
{
	return (uint64_t)days_from_civil(9999, 12, 31) * 86400u + 86399u;
}

int tv_efi_time_to_uboot(const uint8_t t[16], uint64_t *secs)
{
	unsigned y = tv_get_le16(t), mo = t[2], d = t[3], h = t[4], mi = t[5], s = t[6];
	uint64_t v;

	if (t[7] || tv_get_le32(t + 8) || tv_get_le16(t + 12) || t[14] || t[15])
		return -1; /* Pad1, Nanosecond, TimeZone, Daylight, Pad2 */
	if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) ||
	    h > 23 || mi > 59 || s > 59)
		return -1;
	v = (uint64_t)days_from_civil(y, mo, d) * 86400u + h * 3600u + mi * 60u + s;
	if (v == 0)
		return -1; /* U-Boot's "no time" */
	*secs = v;
	return 0;
}

int tv_efi_time_from_uboot(uint64_t secs, uint8_t t[16])
{
	int64_t y;
	unsigned m, d;
	uint64_t rem = secs % 86400u;

	if (secs > max_secs())
		return -1;
	civil_from_days((int64_t)(secs / 86400u), &y, &m, &d);
	memset(t, 0, 16);
	tv_put_le16(t, (uint16_t)y);
	t[2] = (uint8_t)m;
	t[3] = (uint8_t)d;
	t[4] = (uint8_t)(rem / 3600u);
	t[5] = (uint8_t)(rem / 60u % 60u);
	t[6] = (uint8_t)(rem % 60u);
	return 0;
}
