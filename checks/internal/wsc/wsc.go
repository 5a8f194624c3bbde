// Package wsc decodes the productState that Windows Security Center reports
// for each security product registered with it (root/SecurityCenter2
// AntiVirusProduct and FirewallProduct), for the antivirus and firewall
// checks alike.
//
// Microsoft documents the product states (WSC_SECURITY_PRODUCT_STATE: on,
// off, snoozed "temporarily off, and not actively protecting", expired "no
// longer actively protecting") and the provider flags
// (WSC_SECURITY_PROVIDER), not where WMI puts them in productState. The
// layout below is the one every product in the field follows:
//
//	bits 16–23  0xFF0000  the WSC_SECURITY_PROVIDER flags (0x01 firewall,
//	                      0x02 automatic updates, 0x04 anti-virus, 0x08
//	                      anti-spyware…); never zero
//	bits 12–15  0x00F000  the product state: 0x0000 off, 0x1000 on,
//	                      0x2000 snoozed, 0x3000 expired
//	bits 8–11   0x000F00  the owner: 0x000 another vendor, 0x100 Microsoft
//	bits 4–7    0x0000F0  the signatures: 0x00 up to date, 0x10 out of date
//	bits 0–3    0x00000F  zero
//
// 397568 (0x061100) is Defender on and up to date, 393472 (0x060100)
// Defender off, 266240 (0x041000) another vendor's product on. A value
// outside the layout is Unrecognised: never on.
package wsc

// State is a product's state: on, off, snoozed, expired or unrecognised.
// Its text is what the checks' facts carry.
type State string

// States.
const (
	Off          State = "off"
	On           State = "on"
	Snoozed      State = "snoozed"
	Expired      State = "expired"
	Unrecognised State = "unrecognised"
)

// Product is a decoded productState.
type Product struct {
	State State
	// SignaturesUpToDate is the signature nibble (anti-virus; a firewall
	// has no signatures and its nibble means nothing).
	SignaturesUpToDate bool
	// Microsoft is true for Microsoft's own product (Defender, Windows
	// Firewall).
	Microsoft bool
}

// Protecting reports whether the product protects: only when it is on.
// Snoozed and expired products are, in Microsoft's words, not actively
// protecting.
func (p Product) Protecting() bool { return p.State == On }

// states are the product-state nibble's values.
var states = [...]State{0: Off, 1: On, 2: Snoozed, 3: Expired}

// Decode reads a productState. Anything outside the layout of the package
// doc decodes as Unrecognised, with the flags false.
func Decode(n int64) Product {
	if n < 0 || n > 0xFFFFFF {
		return Product{State: Unrecognised}
	}
	provider := (n >> 16) & 0xFF
	state := (n >> 12) & 0xF
	owner := (n >> 8) & 0xF
	sig := (n >> 4) & 0xF
	if provider == 0 || owner > 1 || sig > 1 || n&0xF != 0 || state >= int64(len(states)) {
		return Product{State: Unrecognised}
	}
	return Product{State: states[state], SignaturesUpToDate: sig == 0, Microsoft: owner == 1}
}
