package wsc

import "testing"

// TestDecode runs real productState values (those in the checks' evidence
// and those seen across 34 products on over 10,000 endpoints, published on
// bigfix.me), a few constructed ones (marked) for the states the field list
// lacks, and values outside the layout.
func TestDecode(t *testing.T) {
	tests := []struct {
		n    int64
		want Product
	}{
		// Defender (owner Microsoft, providers anti-virus + automatic updates).
		{397568, Product{On, true, true}},       // 0x061100
		{397584, Product{On, false, true}},      // 0x061110 definitions out of date
		{393472, Product{Off, true, true}},      // 0x060100
		{393488, Product{Off, false, true}},     // 0x060110
		{401664, Product{Snoozed, true, true}},  // 0x062100
		{405760, Product{Expired, true, true}},  // 0x063100 (constructed)
		{266240, Product{On, true, false}},      // 0x041000 another vendor, on
		{266256, Product{On, false, false}},     // 0x041010
		{262144, Product{Off, true, false}},     // 0x040000 (G DATA, off)
		{262160, Product{Off, false, false}},    // 0x040010
		{270336, Product{Snoozed, true, false}}, // 0x042000
		{274432, Product{Expired, true, false}}, // 0x043000 (ESET, licence expired)
		{327680, Product{Off, true, false}},     // 0x050000 firewall + anti-virus
		{327696, Product{Off, false, false}},    // 0x050010
		{331776, Product{On, true, false}},      // 0x051000
		{393216, Product{Off, true, false}},     // 0x060000
		{393232, Product{Off, false, false}},    // 0x060010
		{397312, Product{On, true, false}},      // 0x061000
		{397328, Product{On, false, false}},     // 0x061010
		{458752, Product{Off, true, false}},     // 0x070000
		{69632, Product{On, true, false}},       // 0x011000 a firewall alone, on (constructed)
		{65536, Product{Off, true, false}},      // 0x010000 (constructed)
		{69888, Product{On, true, true}},        // 0x011100 Microsoft's firewall (constructed)
		// Outside the layout.
		{344064, Product{State: Unrecognised}},     // 0x054000 state nibble 4
		{0, Product{State: Unrecognised}},          // no provider
		{0x1000, Product{State: Unrecognised}},     // on, but no provider
		{0x064100, Product{State: Unrecognised}},   // state nibble 4
		{0x061120, Product{State: Unrecognised}},   // signature nibble 2
		{0x061200, Product{State: Unrecognised}},   // owner nibble 2
		{0x061101, Product{State: Unrecognised}},   // low nibble set
		{-1, Product{State: Unrecognised}},         // negative
		{0x1061100, Product{State: Unrecognised}},  // above 24 bits
		{0x7FFFFFFF, Product{State: Unrecognised}}, // what a broken provider returns
	}
	for _, tt := range tests {
		got := Decode(tt.n)
		if got != tt.want {
			t.Errorf("Decode(%d = 0x%06X) = %+v, want %+v", tt.n, tt.n, got, tt.want)
		}
		if want := tt.want.State == On; got.Protecting() != want {
			t.Errorf("Decode(%d = 0x%06X).Protecting() = %v, want %v", tt.n, tt.n, got.Protecting(), want)
		}
	}
}
