/* bcryptprimitives.dll for Wine 8 — for scripts/windows-smoke.sh only, never shipped.
 *
 * A Rust (>= 1.78) Windows executable imports ProcessPrng from bcryptprimitives.dll, which every
 * Windows 10/11 has and Wine 8.0 does not: without this stub next to the .exe the program does
 * not start under Wine ("Library bcryptprimitives.dll not found", status c0000135).
 * Build: x86_64-w64-mingw32-gcc -shared -O2 -o bcryptprimitives.dll bcryptprimitives.c -ladvapi32
 */
#include <windows.h>
#define SystemFunction036 NTAPI SystemFunction036
#include <ntsecapi.h>
#undef SystemFunction036

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
    while (len > 0) {
        ULONG n = len > 0x10000000 ? 0x10000000 : (ULONG)len;
        if (!RtlGenRandom(data, n)) return FALSE;
        data += n;
        len -= n;
    }
    return TRUE;
}
