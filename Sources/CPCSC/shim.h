// Thin shim over pcsc-lite (libpcsclite). Only CardReadersUSB imports it. The PC/SC constants are cast macros
// Swift cannot import: they are restated here as constants, and the protocol control blocks as a function.
#ifndef VTPE_CPCSC_SHIM_H
#define VTPE_CPCSC_SHIM_H
#include <PCSC/winscard.h>
#include <PCSC/pcsclite.h>

static const LONG vtpe_scard_s_success = SCARD_S_SUCCESS;
static const LONG vtpe_scard_e_timeout = SCARD_E_TIMEOUT;
static const LONG vtpe_scard_e_no_service = SCARD_E_NO_SERVICE;
static const LONG vtpe_scard_e_service_stopped = SCARD_E_SERVICE_STOPPED;
static const LONG vtpe_scard_e_no_readers_available = SCARD_E_NO_READERS_AVAILABLE;
static const LONG vtpe_scard_e_no_smartcard = SCARD_E_NO_SMARTCARD;
static const LONG vtpe_scard_e_sharing_violation = SCARD_E_SHARING_VIOLATION;
static const LONG vtpe_scard_e_unknown_reader = SCARD_E_UNKNOWN_READER;
static const LONG vtpe_scard_e_reader_unavailable = SCARD_E_READER_UNAVAILABLE;
static const LONG vtpe_scard_w_removed_card = SCARD_W_REMOVED_CARD;
static const LONG vtpe_scard_w_reset_card = SCARD_W_RESET_CARD;
static const DWORD vtpe_scard_autoallocate = SCARD_AUTOALLOCATE;

/// The protocol control information for T=0 or T=1.
static inline const SCARD_IO_REQUEST *vtpe_scard_pci(DWORD protocol) {
    return protocol == SCARD_PROTOCOL_T0 ? SCARD_PCI_T0 : SCARD_PCI_T1;
}
#endif
