// Package pglocal runs a throwaway PostgreSQL cluster from the machine's own binaries.
//
// It exists for the all-in-one runner (which keeps its cluster in ./.data/postgres between
// runs) and for tests (see package pgtest). It is not a way to run production databases:
// authentication is "trust" on 127.0.0.1, the only address the server listens on, and unix
// sockets are disabled.
//
// PostgreSQL refuses to run as root. When the calling process is root, every server binary
// is run as the "postgres" OS user and the data directory is handed to that user; otherwise
// the binaries run as the current user.
//
// A data directory belongs to one Cluster at a time: Start takes a lock on it (released when
// the process exits, however it exits), so two runners cannot share or clobber one cluster,
// while a server left running by a crashed predecessor is recognised, stopped and restarted.
package pglocal
