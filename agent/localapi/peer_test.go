package localapi

import (
	"errors"
	"testing"
)

func TestDefaultAuthorizer(t *testing.T) {
	console := func(uid string, err error) func() (string, error) {
		return func() (string, error) { return uid, err }
	}
	tests := []struct {
		name    string
		console func() (string, error)
		peer    Peer
		want    bool
	}{
		{"root", console("1000", nil), Peer{UID: "0", Privileged: true}, true},
		{"root, nobody at the console", console("", errors.New("no console user")), Peer{UID: "0", Privileged: true}, true},
		{"console user", console("1000", nil), Peer{UID: "1000"}, true},
		{"other user", console("1000", nil), Peer{UID: "1001"}, false},
		{"nobody at the console", console("", nil), Peer{UID: "1000"}, false},
		{"console lookup fails", console("1000", errors.New("boom")), Peer{UID: "1000"}, false},
		{"unknown peer", console("", nil), Peer{}, false},
		{"unknown peer claims privilege", console("", nil), Peer{Privileged: true}, false},
		{"nil console func", nil, Peer{UID: "1000"}, false},
		{"windows SID", console("S-1-5-21-1-2-3-1001", nil), Peer{UID: "S-1-5-21-1-2-3-1001"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := DefaultAuthorizer(tt.console)(tt.peer); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}
