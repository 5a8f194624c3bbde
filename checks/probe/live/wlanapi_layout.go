package live

import "unsafe"

// The Native Wifi structures wlanapi.dll hands back (wlanapi.h,
// windot11.h, wlantypes.h), laid out as MSVC lays them out on amd64 and
// arm64: natural alignment, a ULONGLONG on 8 bytes. Member lists from
// Microsoft's reference pages (learn.microsoft.com/windows/win32/api/
// wlanapi/): ns-wlanapi-wlan_interface_info_list, ns-wlanapi-
// wlan_interface_info, ns-wlanapi-wlan_connection_attributes, ns-wlanapi-
// wlan_association_attributes, ns-wlanapi-wlan_security_attributes,
// ns-wlanapi-wlan_bss_list, ns-wlanapi-wlan_bss_entry, ns-wlanapi-
// wlan_rate_set; wlantypes.h's DOT11_SSID (ULONG uSSIDLength; UCHAR
// ucSSID[32]) and windot11.h's DOT11_MAC_ADDRESS (UCHAR[6]). The padding
// the C compiler inserts is written out as _ fields, so the Go layout is
// the same on every architecture (a Go uint64 is 4-aligned on 386) and
// wlanapi_layout_test.go asserts every offset and size. Untagged, so the
// layout and the readers below are tested on Linux too.

// dot11SSID is DOT11_SSID: 36 bytes.
type dot11SSID struct {
	Length uint32 // uSSIDLength
	SSID   [32]byte
}

// bytes is the SSID's octets (Length clamped to the array).
func (s *dot11SSID) bytes() []byte { return s.SSID[:min(int(s.Length), len(s.SSID))] }

// wlanInterfaceInfo is WLAN_INTERFACE_INFO: 532 bytes.
type wlanInterfaceInfo struct {
	InterfaceGUID [16]byte    // GUID
	Description   [256]uint16 // WCHAR strInterfaceDescription[256]
	State         uint32      // WLAN_INTERFACE_STATE isState
}

// wlanInterfaceStateConnected is wlan_interface_state_connected.
const wlanInterfaceStateConnected = 1

// wlanInterfaceInfoList is WLAN_INTERFACE_INFO_LIST; InterfaceInfo holds
// NumberOfItems entries.
type wlanInterfaceInfoList struct {
	NumberOfItems uint32 // dwNumberOfItems
	Index         uint32 // dwIndex
	InterfaceInfo [1]wlanInterfaceInfo
}

// wlanAssociationAttributes is WLAN_ASSOCIATION_ATTRIBUTES: 68 bytes.
type wlanAssociationAttributes struct {
	SSID          dot11SSID // dot11Ssid
	BSSType       uint32    // DOT11_BSS_TYPE dot11BssType
	BSSID         [6]byte   // DOT11_MAC_ADDRESS dot11Bssid
	_             [2]byte
	PhyType       uint32 // DOT11_PHY_TYPE dot11PhyType
	PhyIndex      uint32 // uDot11PhyIndex
	SignalQuality uint32 // WLAN_SIGNAL_QUALITY wlanSignalQuality
	RxRate        uint32 // ulRxRate
	TxRate        uint32 // ulTxRate
}

// wlanSecurityAttributes is WLAN_SECURITY_ATTRIBUTES: 16 bytes.
type wlanSecurityAttributes struct {
	SecurityEnabled int32  // BOOL bSecurityEnabled
	OneXEnabled     int32  // BOOL bOneXEnabled
	AuthAlgorithm   uint32 // DOT11_AUTH_ALGORITHM dot11AuthAlgorithm
	CipherAlgorithm uint32 // DOT11_CIPHER_ALGORITHM dot11CipherAlgorithm
}

// wlanConnectionAttributes is WLAN_CONNECTION_ATTRIBUTES: 604 bytes,
// what WlanQueryInterface(wlan_intf_opcode_current_connection) returns.
type wlanConnectionAttributes struct {
	State       uint32      // WLAN_INTERFACE_STATE isState
	Mode        uint32      // WLAN_CONNECTION_MODE wlanConnectionMode
	ProfileName [256]uint16 // WCHAR strProfileName[256]
	Association wlanAssociationAttributes
	Security    wlanSecurityAttributes
}

// wlanRateSet is WLAN_RATE_SET: 256 bytes.
type wlanRateSet struct {
	Length  uint32 // uRateSetLength
	RateSet [126]uint16
}

// wlanBSSEntry is WLAN_BSS_ENTRY: 360 bytes. The access point's
// information elements are IESize bytes at IEOffset from the start of
// this entry.
type wlanBSSEntry struct {
	SSID          dot11SSID // dot11Ssid
	PhyID         uint32    // uPhyId
	BSSID         [6]byte   // DOT11_MAC_ADDRESS dot11Bssid
	_             [2]byte
	BSSType       uint32 // DOT11_BSS_TYPE dot11BssType
	PhyType       uint32 // DOT11_PHY_TYPE dot11BssPhyType
	RSSI          int32  // LONG lRssi
	LinkQuality   uint32 // uLinkQuality
	InRegDomain   uint8  // BOOLEAN bInRegDomain
	_             uint8
	BeaconPeriod  uint16 // usBeaconPeriod
	_             [4]byte
	Timestamp     uint64 // ULONGLONG ullTimestamp
	HostTimestamp uint64 // ULONGLONG ullHostTimestamp
	Capability    uint16 // usCapabilityInformation
	_             [2]byte
	ChCenterFreq  uint32      // ulChCenterFrequency
	RateSet       wlanRateSet // wlanRateSet
	IEOffset      uint32      // ulIeOffset
	IESize        uint32      // ulIeSize
}

// wlanBSSList is WLAN_BSS_LIST: TotalSize bytes in all, NumberOfItems
// entries from Entries on.
type wlanBSSList struct {
	TotalSize     uint32 // dwTotalSize
	NumberOfItems uint32 // dwNumberOfItems
	Entries       [1]wlanBSSEntry
}

// The sizes and offsets the calls depend on, checked when this file is
// compiled for any architecture (a negative array length does not
// compile); wlanapi_layout_test.go checks every member.
var (
	_ [unsafe.Sizeof(wlanBSSEntry{}) - 360]byte
	_ [360 - unsafe.Sizeof(wlanBSSEntry{})]byte
	_ [unsafe.Offsetof(wlanBSSEntry{}.IEOffset) - 352]byte
	_ [352 - unsafe.Offsetof(wlanBSSEntry{}.IEOffset)]byte
	_ [unsafe.Offsetof(wlanBSSList{}.Entries) - 8]byte
	_ [8 - unsafe.Offsetof(wlanBSSList{}.Entries)]byte
	_ [unsafe.Sizeof(wlanConnectionAttributes{}) - 604]byte
	_ [604 - unsafe.Sizeof(wlanConnectionAttributes{})]byte
	_ [unsafe.Sizeof(wlanInterfaceInfo{}) - 532]byte
	_ [532 - unsafe.Sizeof(wlanInterfaceInfo{})]byte
)

// interfaceInfos are the entries of a WLAN_INTERFACE_INFO_LIST.
func interfaceInfos(l *wlanInterfaceInfoList) []wlanInterfaceInfo {
	if l == nil || l.NumberOfItems == 0 {
		return nil
	}
	return unsafe.Slice(&l.InterfaceInfo[0], l.NumberOfItems)
}

// bssEntries are the entries of a WLAN_BSS_LIST that lie whole within its
// TotalSize (Microsoft: "the information returned should not be
// trusted"; the list is the access points' words).
func bssEntries(l *wlanBSSList) []wlanBSSEntry {
	if l == nil {
		return nil
	}
	head, size := unsafe.Offsetof(l.Entries), unsafe.Sizeof(wlanBSSEntry{})
	n := uintptr(l.NumberOfItems)
	if uintptr(l.TotalSize) < head || n > (uintptr(l.TotalSize)-head)/size {
		n = (uintptr(max(l.TotalSize, uint32(head))) - head) / size
	}
	if n == 0 {
		return nil
	}
	return unsafe.Slice(&l.Entries[0], n)
}

// ies is entry i's information elements (a copy), or nil when ulIeOffset
// and ulIeSize point outside the list's TotalSize.
func (l *wlanBSSList) ies(i int) []byte {
	entries := bssEntries(l)
	if i < 0 || i >= len(entries) {
		return nil
	}
	e := &entries[i]
	start := unsafe.Offsetof(l.Entries) + uintptr(i)*unsafe.Sizeof(*e) + uintptr(e.IEOffset)
	end := start + uintptr(e.IESize)
	if end < start || end > uintptr(l.TotalSize) {
		return nil
	}
	b := unsafe.Slice((*byte)(unsafe.Add(unsafe.Pointer(e), e.IEOffset)), e.IESize)
	return append([]byte(nil), b...)
}

// macString is a DOT11_MAC_ADDRESS as netsh prints it.
func macString(m [6]byte) string {
	const digits = "0123456789abcdef"
	b := make([]byte, 0, 17)
	for i, c := range m {
		if i > 0 {
			b = append(b, ':')
		}
		b = append(b, digits[c>>4], digits[c&0xf])
	}
	return string(b)
}
