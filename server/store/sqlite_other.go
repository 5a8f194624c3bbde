//go:build !unix

package store

// whyCannotOpen adds nothing where file ownership is not read (see the
// Unix version).
func whyCannotOpen(string) string { return "" }
