// Thin shim over libusb-1.0. Only CardReadersUSB imports it.
#ifndef VTPE_CLIBUSB_SHIM_H
#define VTPE_CLIBUSB_SHIM_H
#include <libusb-1.0/libusb.h>
#endif
