/* proxy_address_class (proxy.h): which addresses the egress proxy refuses
 * after DNS unless they are allowed themselves (threat row 35). */
#include "proxy.h"

#include <arpa/inet.h>
#include <string.h>

static const char *class_v4(const unsigned char *b)
{
	uint32_t a = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
#define IN(net, bits) ((a >> (32 - (bits))) == ((uint32_t)(net) >> (32 - (bits))))
	if (a == 0xa9fea9feU) /* 169.254.169.254: cloud instance metadata */
		return "metadata";
	if (a == 0)
		return "unspecified";
	if (IN(0x7f000000, 8))
		return "loopback";
	if (IN(0x0a000000, 8) || IN(0xac100000, 12) || IN(0xc0a80000, 16))
		return "private";
	if (IN(0xa9fe0000, 16))
		return "link-local";
	if (IN(0x64400000, 10))
		return "cgnat";
	if (IN(0xe0000000, 4))
		return "multicast";
	if (IN(0x00000000, 8) || IN(0xf0000000, 4) || IN(0xc0000000, 24) ||
	    IN(0xc0000200, 24) || IN(0xc6336400, 24) || IN(0xcb007100, 24) ||
	    IN(0xc6120000, 15))
		return "reserved";
	return "public";
#undef IN
}

const char *proxy_address_class(const char *address)
{
	unsigned char b[16];
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	static const unsigned char nat64[12] = { 0, 0x64, 0xff, 0x9b };
	static const unsigned char metadata[16] = { 0xfd, 0, 0x0e, 0xc2, [14] = 0x02, [15] = 0x54 };
	static const unsigned char zero[16];

	if (inet_pton(AF_INET, address, b) == 1)
		return class_v4(b);
	if (inet_pton(AF_INET6, address, b) != 1)
		return NULL;
	if (!memcmp(b, mapped, 12) || !memcmp(b, nat64, 12))
		return class_v4(b + 12);
	/* ::a.b.c.d (deprecated IPv4-compatible) reaches the IPv4 too */
	if (!memcmp(b, zero, 12) && (b[12] | b[13] | b[14] | b[15]) && memcmp(b + 12, "\0\0\0\1", 4))
		return class_v4(b + 12);
	if (!memcmp(b, metadata, 16))
		return "metadata";
	if (!memcmp(b, zero, 16))
		return "unspecified";
	if (!memcmp(b, zero, 15) && b[15] == 1)
		return "loopback";
	if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80)
		return "link-local";
	if ((b[0] & 0xfe) == 0xfc)
		return "unique-local";
	if (b[0] == 0xff)
		return "multicast";
	if ((b[0] & 0xe0) != 0x20 || (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8))
		return "reserved"; /* outside global unicast, or documentation */
	return "public";
}
