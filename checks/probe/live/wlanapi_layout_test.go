package live

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"testing"
	"unsafe"
)

// The offsets and sizes MSVC gives the Native Wifi structures on amd64
// and arm64 (natural alignment; the members as Microsoft's reference pages
// list them, see wlanapi_layout.go). Worked by hand from the member lists:
// e.g. WLAN_BSS_ENTRY: DOT11_SSID 0–36, uPhyId 36, dot11Bssid 40–46, 2
// bytes padding, dot11BssType 48, dot11BssPhyType 52, lRssi 56,
// uLinkQuality 60, bInRegDomain 64, 1 byte padding, usBeaconPeriod 66, 4
// bytes padding to the 8-aligned ullTimestamp 72, ullHostTimestamp 80,
// usCapabilityInformation 88, 2 bytes padding, ulChCenterFrequency 92,
// WLAN_RATE_SET (4 + 126×2) 96–352, ulIeOffset 352, ulIeSize 356: 360, a
// multiple of its 8-byte alignment. 360 is also the size other Native
// Wifi bindings use for it.
func TestWLANLayout(t *testing.T) {
	var (
		ssid dot11SSID
		info wlanInterfaceInfo
		list wlanInterfaceInfoList
		asso wlanAssociationAttributes
		sec  wlanSecurityAttributes
		conn wlanConnectionAttributes
		rate wlanRateSet
		bss  wlanBSSEntry
		bl   wlanBSSList
	)
	for _, c := range []struct {
		name      string
		got, want uintptr
	}{
		{"DOT11_SSID size", unsafe.Sizeof(ssid), 36},
		{"WLAN_INTERFACE_INFO size", unsafe.Sizeof(info), 532},
		{"WLAN_INTERFACE_INFO.strInterfaceDescription", unsafe.Offsetof(info.Description), 16},
		{"WLAN_INTERFACE_INFO.isState", unsafe.Offsetof(info.State), 528},
		{"WLAN_INTERFACE_INFO_LIST.InterfaceInfo", unsafe.Offsetof(list.InterfaceInfo), 8},
		{"WLAN_ASSOCIATION_ATTRIBUTES size", unsafe.Sizeof(asso), 68},
		{"WLAN_ASSOCIATION_ATTRIBUTES.dot11BssType", unsafe.Offsetof(asso.BSSType), 36},
		{"WLAN_ASSOCIATION_ATTRIBUTES.dot11Bssid", unsafe.Offsetof(asso.BSSID), 40},
		{"WLAN_ASSOCIATION_ATTRIBUTES.dot11PhyType", unsafe.Offsetof(asso.PhyType), 48},
		{"WLAN_ASSOCIATION_ATTRIBUTES.ulTxRate", unsafe.Offsetof(asso.TxRate), 64},
		{"WLAN_SECURITY_ATTRIBUTES size", unsafe.Sizeof(sec), 16},
		{"WLAN_CONNECTION_ATTRIBUTES size", unsafe.Sizeof(conn), 604},
		{"WLAN_CONNECTION_ATTRIBUTES.strProfileName", unsafe.Offsetof(conn.ProfileName), 8},
		{"WLAN_CONNECTION_ATTRIBUTES.wlanAssociationAttributes", unsafe.Offsetof(conn.Association), 520},
		{"WLAN_CONNECTION_ATTRIBUTES.wlanSecurityAttributes", unsafe.Offsetof(conn.Security), 588},
		{"WLAN_RATE_SET size", unsafe.Sizeof(rate), 256},
		{"WLAN_BSS_ENTRY size", unsafe.Sizeof(bss), 360},
		{"WLAN_BSS_ENTRY.uPhyId", unsafe.Offsetof(bss.PhyID), 36},
		{"WLAN_BSS_ENTRY.dot11Bssid", unsafe.Offsetof(bss.BSSID), 40},
		{"WLAN_BSS_ENTRY.dot11BssType", unsafe.Offsetof(bss.BSSType), 48},
		{"WLAN_BSS_ENTRY.lRssi", unsafe.Offsetof(bss.RSSI), 56},
		{"WLAN_BSS_ENTRY.bInRegDomain", unsafe.Offsetof(bss.InRegDomain), 64},
		{"WLAN_BSS_ENTRY.usBeaconPeriod", unsafe.Offsetof(bss.BeaconPeriod), 66},
		{"WLAN_BSS_ENTRY.ullTimestamp", unsafe.Offsetof(bss.Timestamp), 72},
		{"WLAN_BSS_ENTRY.ullHostTimestamp", unsafe.Offsetof(bss.HostTimestamp), 80},
		{"WLAN_BSS_ENTRY.usCapabilityInformation", unsafe.Offsetof(bss.Capability), 88},
		{"WLAN_BSS_ENTRY.ulChCenterFrequency", unsafe.Offsetof(bss.ChCenterFreq), 92},
		{"WLAN_BSS_ENTRY.wlanRateSet", unsafe.Offsetof(bss.RateSet), 96},
		{"WLAN_BSS_ENTRY.ulIeOffset", unsafe.Offsetof(bss.IEOffset), 352},
		{"WLAN_BSS_ENTRY.ulIeSize", unsafe.Offsetof(bss.IESize), 356},
		{"WLAN_BSS_LIST.wlanBssEntries", unsafe.Offsetof(bl.Entries), 8},
	} {
		if c.got != c.want {
			t.Errorf("%s: %d, want %d", c.name, c.got, c.want)
		}
	}
	if a := unsafe.Alignof(bss); a != 8 && unsafe.Sizeof(uintptr(0)) == 8 {
		t.Errorf("WLAN_BSS_ENTRY alignment %d, want 8", a)
	}
}

// A WLAN_BSS_LIST as wlanapi.dll lays it out, written byte by byte at
// the C offsets (not through the Go types): two entries, the elements of
// each after both. The readers find each entry's BSSID, SSID and
// elements, and refuse elements pointing past dwTotalSize.
func TestWLANBSSListReader(t *testing.T) {
	rsn, _ := hex.DecodeString("30140100000fac040100000fac040100000fac020c00")
	wpa, _ := hex.DecodeString("dd160050f20101000050f20201000050f20201000050f202")
	const head, entry = 8, 360
	total := head + 2*entry + len(rsn) + len(wpa)
	words := make([]uint64, (total+7)/8)
	buf := unsafe.Slice((*byte)(unsafe.Pointer(&words[0])), total)
	le := binary.LittleEndian
	le.PutUint32(buf[0:], uint32(total))
	le.PutUint32(buf[4:], 2)
	put := func(i int, ssid string, bssid []byte, ieAt, ieLen int) {
		e := buf[head+i*entry:]
		le.PutUint32(e[0:], uint32(len(ssid)))
		copy(e[4:36], ssid)
		copy(e[40:46], bssid)
		le.PutUint32(e[48:], 1) // infrastructure
		le.PutUint16(e[88:], 0x0411)
		le.PutUint32(e[352:], uint32(ieAt-(head+i*entry)))
		le.PutUint32(e[356:], uint32(ieLen))
	}
	put(0, "KitchenAP", []byte{0xa4, 0x2b, 0xb0, 0x11, 0x22, 0x33}, head+2*entry, len(rsn))
	put(1, "Upstairs", []byte{0xa4, 0x2b, 0xb0, 0x11, 0x22, 0x34}, head+2*entry+len(rsn), len(wpa))
	copy(buf[head+2*entry:], rsn)
	copy(buf[head+2*entry+len(rsn):], wpa)

	l := (*wlanBSSList)(unsafe.Pointer(&words[0]))
	es := bssEntries(l)
	if len(es) != 2 {
		t.Fatalf("%d entries", len(es))
	}
	if got := macString(es[1].BSSID); got != "a4:2b:b0:11:22:34" {
		t.Errorf("BSSID %s", got)
	}
	if got := string(es[0].SSID.bytes()); got != "KitchenAP" || es[0].Capability != 0x0411 {
		t.Errorf("SSID %q capability %#x", got, es[0].Capability)
	}
	if !bytes.Equal(l.ies(0), rsn) || !bytes.Equal(l.ies(1), wpa) {
		t.Errorf("IEs %x / %x", l.ies(0), l.ies(1))
	}
	// An offset past dwTotalSize, a count past it, an index out of range.
	le.PutUint32(buf[head+entry+356:], uint32(len(wpa)+1))
	if l.ies(1) != nil {
		t.Error("elements past dwTotalSize were read")
	}
	le.PutUint32(buf[4:], 1000)
	if n := len(bssEntries(l)); n != 2 {
		t.Errorf("dwNumberOfItems 1000 in %d bytes: %d entries", total, n)
	}
	if l.ies(2) != nil || l.ies(-1) != nil {
		t.Error("an entry out of range was read")
	}
	if bssEntries(nil) != nil || interfaceInfos(nil) != nil {
		t.Error("nil lists")
	}
}

func TestWLANInterfaceList(t *testing.T) {
	words := make([]uint64, (8+2*532+7)/8)
	buf := unsafe.Slice((*byte)(unsafe.Pointer(&words[0])), 8+2*532)
	binary.LittleEndian.PutUint32(buf[0:], 2)
	binary.LittleEndian.PutUint32(buf[8+528:], 4)     // disconnected
	binary.LittleEndian.PutUint32(buf[8+532+528:], 1) // connected
	buf[8+532] = 0x7e
	is := interfaceInfos((*wlanInterfaceInfoList)(unsafe.Pointer(&words[0])))
	if len(is) != 2 || is[0].State != 4 || is[1].State != wlanInterfaceStateConnected || is[1].InterfaceGUID[0] != 0x7e {
		t.Errorf("%d interfaces: %+v", len(is), is)
	}
}
