package pglocal

import (
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"
)

// osUser is who the server binaries run as.
type osUser struct {
	name   string
	uid    int
	gid    int
	groups []int               // supplementary groups, for the traversal check
	cred   *syscall.Credential // nil: run as ourselves
}

// serverUser returns the current user, or the "postgres" user when we are root, because
// postgres refuses to run as root.
func serverUser() (osUser, error) {
	if os.Geteuid() != 0 {
		groups, _ := os.Getgroups() // only used to predict access; an error just means fewer groups
		return osUser{name: "current user", uid: os.Geteuid(), gid: os.Getegid(), groups: groups}, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return osUser{}, fmt.Errorf("pglocal: running as root, so the server must run as the OS user \"postgres\": %w", err)
	}
	uid, err := strconv.Atoi(u.Uid)
	if err != nil {
		return osUser{}, fmt.Errorf("pglocal: user postgres has uid %q: %w", u.Uid, err)
	}
	gid, err := strconv.Atoi(u.Gid)
	if err != nil {
		return osUser{}, fmt.Errorf("pglocal: user postgres has gid %q: %w", u.Gid, err)
	}
	ou := osUser{name: "postgres", uid: uid, gid: gid}
	ids, _ := u.GroupIds() // as above: missing supplementary groups only make us more careful
	cred := &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	for _, s := range ids {
		if g, err := strconv.Atoi(s); err == nil {
			ou.groups = append(ou.groups, g)
			cred.Groups = append(cred.Groups, uint32(g))
		}
	}
	ou.cred = cred
	return ou, nil
}

// mayEnter reports whether u may enter (search) the directory described by fi, by the
// classic owner/group/other rules; ACLs are not consulted.
func (u osUser) mayEnter(fi fs.FileInfo) bool {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok || u.uid == 0 {
		return true
	}
	perm := fi.Mode().Perm()
	switch {
	case int(st.Uid) == u.uid:
		return perm&0o100 != 0
	case int(st.Gid) == u.gid || slices.Contains(u.groups, int(st.Gid)):
		return perm&0o010 != 0
	default:
		return perm&0o001 != 0
	}
}

// blockedAncestor returns the first existing ancestor of path (not path itself) that u
// cannot enter, or "" if u can reach path.
func (u osUser) blockedAncestor(path string) string {
	var ancestors []string
	for d := filepath.Dir(path); ; d = filepath.Dir(d) {
		ancestors = append(ancestors, d)
		if d == filepath.Dir(d) {
			break
		}
	}
	slices.Reverse(ancestors) // from the root down, so the report names the outermost culprit
	for _, d := range ancestors {
		fi, err := os.Stat(d)
		if err != nil {
			return ""
		}
		if !u.mayEnter(fi) {
			return d
		}
	}
	return ""
}

// own hands the tree at dir to u (when we run the server as another user), so that a
// directory we created, or a cluster made earlier by someone else, is usable by the server.
func (u osUser) own(dir string) error {
	if u.cred == nil {
		return nil
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("pglocal: %w", err)
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && int(st.Uid) == u.uid {
		return nil
	}
	err = filepath.WalkDir(dir, func(p string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, u.uid, u.gid)
	})
	if err != nil {
		return fmt.Errorf("pglocal: hand %s to user %s: %w", dir, u.name, err)
	}
	return nil
}

// writeFile writes a file that the server reads, owned by u.
func (u osUser) writeFile(path string, data []byte) error {
	if err := os.WriteFile(path, data, 0o600); err != nil {
		return fmt.Errorf("pglocal: %w", err)
	}
	if u.cred != nil {
		if err := os.Chown(path, u.uid, u.gid); err != nil {
			return fmt.Errorf("pglocal: %w", err)
		}
	}
	return nil
}
