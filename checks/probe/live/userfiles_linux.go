package live

import "golang.org/x/sys/unix"

// oPath opens folders on the way only as places in the tree (they need
// not be readable, only searchable).
const oPath = unix.O_PATH
