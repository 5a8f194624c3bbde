/*
 * A TEST-ONLY bcryptprimitives.dll for Wine 8 (Debian 12), never shipped.
 * Go's runtime (1.22+) needs ProcessPrng from bcryptprimitives.dll, which
 * Windows 10 and later have and Wine 8 does not, so every Go program dies
 * before main under Wine 8 with "bcryptprimitives.dll not found". This
 * provides ProcessPrng on top of RtlGenRandom (advapi32 SystemFunction036),
 * which Wine implements from the host's random source. It is copied into a
 * throw-away WINEPREFIX by internal/winetest and nowhere else.
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buf, ULONG len);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T n)
{
	while (n > 0) {
		ULONG chunk = n > 0x10000000 ? 0x10000000 : (ULONG)n;
		if (!SystemFunction036(data, chunk))
			return FALSE;
		data += chunk;
		n -= chunk;
	}
	return TRUE;
}

BOOL WINAPI DllMainCRTStartup(HINSTANCE h, DWORD reason, LPVOID reserved)
{
	return TRUE;
}
