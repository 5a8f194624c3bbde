// Package winproc reads what a limited query (PROCESS_QUERY_LIMITED_INFORMATION)
// lets a program read of another Windows process: its image path and its
// command line. The probe's process table and the cookie clearer's search
// for a browser's lock holder both use it, so the raw NT buffer is read in
// one place. Windows only; elsewhere the package is empty.
package winproc
