package k8stest

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// cluster is a real etcd and kube-apiserver on loopback ports, started once for the whole
// package by TestMain. Without a kubelet, scheduler or controller-manager nothing runs and
// no controller writes status: the tests write what those would (pod phase, budget status).
type cluster struct {
	dir    string
	admin  *rest.Config // client certificate in system:masters
	client *kubernetes.Clientset
	procs  []*exec.Cmd
	logs   []string
}

var kube *cluster

func TestMain(m *testing.M) {
	c, err := startCluster()
	if err != nil {
		// Failing, not skipping: without the API server the manifests are unchecked.
		fmt.Fprintln(os.Stderr, "k8s test: cannot start etcd and kube-apiserver:", err)
		if c != nil {
			c.dumpLogs()
			c.stop()
		}
		fmt.Fprintln(os.Stderr, "FAIL")
		os.Exit(1)
	}
	kube = c
	code := m.Run()
	if code != 0 {
		c.dumpLogs()
	}
	c.stop()
	os.Exit(code)
}

// binDir finds kube-apiserver and etcd: NOVERA_KUBE_DIR (make test-k8s sets it), else
// scripts/kube.sh, which builds them once per machine.
func binDir() (string, error) {
	if d := os.Getenv("NOVERA_KUBE_DIR"); d != "" {
		return d, nil
	}
	script, err := filepath.Abs("../../../scripts/kube.sh")
	if err != nil {
		return "", err
	}
	var out bytes.Buffer
	cmd := exec.Command("bash", script)
	cmd.Stdout, cmd.Stderr = &out, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("%s: %w", script, err)
	}
	return strings.TrimSpace(out.String()), nil
}

func startCluster() (*cluster, error) {
	bins, err := binDir()
	if err != nil {
		return nil, err
	}
	for _, b := range []string{"etcd", "kube-apiserver"} {
		if _, err := os.Stat(filepath.Join(bins, b)); err != nil {
			return nil, fmt.Errorf("no %s in %s: %w", b, bins, err)
		}
	}
	dir, err := os.MkdirTemp("", "novera-k8s-")
	if err != nil {
		return nil, err
	}
	c := &cluster{dir: dir}
	pki, err := writePKI(dir)
	if err != nil {
		return c, err
	}

	ports, err := freePorts(3)
	if err != nil {
		return c, err
	}
	etcdURL := fmt.Sprintf("http://127.0.0.1:%d", ports[0])
	peerURL := fmt.Sprintf("http://127.0.0.1:%d", ports[1])
	if err := c.spawn(filepath.Join(bins, "etcd"),
		"--name=default",
		"--data-dir="+filepath.Join(dir, "etcd"),
		"--listen-client-urls="+etcdURL, "--advertise-client-urls="+etcdURL,
		"--listen-peer-urls="+peerURL, "--initial-advertise-peer-urls="+peerURL,
		"--initial-cluster=default="+peerURL,
		// A throwaway store on a busy machine: durability buys nothing here.
		"--unsafe-no-fsync",
		"--log-level=warn",
	); err != nil {
		return c, err
	}

	apiPort := ports[2]
	if err := c.spawn(filepath.Join(bins, "kube-apiserver"),
		"--etcd-servers="+etcdURL,
		"--bind-address=127.0.0.1",
		"--advertise-address=127.0.0.1",
		fmt.Sprintf("--secure-port=%d", apiPort),
		"--cert-dir="+filepath.Join(dir, "certs"),
		"--tls-cert-file="+pki.serverCert, "--tls-private-key-file="+pki.serverKey,
		"--client-ca-file="+pki.caCert,
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file="+pki.saKey,
		"--service-account-signing-key-file="+pki.saKey,
		"--service-cluster-ip-range=10.96.0.0/16",
		// RBAC only, as in a real cluster: what the health service may do is decided by the
		// Role in deploy/k8s and nothing else.
		"--authorization-mode=RBAC",
		// No kubelets: the kubernetes Service's endpoints are nobody's business here.
		"--endpoint-reconciler-type=none",
		"--profiling=false",
	); err != nil {
		return c, err
	}

	c.admin = &rest.Config{
		Host: fmt.Sprintf("https://127.0.0.1:%d", apiPort),
		TLSClientConfig: rest.TLSClientConfig{
			CAData: pki.caPEM, CertData: pki.adminCertPEM, KeyData: pki.adminKeyPEM,
		},
		QPS: 200, Burst: 400,
	}
	c.client, err = kubernetes.NewForConfig(c.admin)
	if err != nil {
		return c, err
	}
	// A cold API server on two busy cores takes a while to install its APIs and bootstrap
	// RBAC; /readyz says when it is done.
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var last string
	for {
		body, err := c.client.RESTClient().Get().AbsPath("/readyz").DoRaw(ctx)
		if err == nil {
			return c, nil
		}
		last = fmt.Sprintf("%v %s", err, body)
		for _, p := range c.procs {
			if p.ProcessState != nil {
				return c, fmt.Errorf("%s exited: %s", p.Path, p.ProcessState)
			}
		}
		select {
		case <-ctx.Done():
			return c, fmt.Errorf("kube-apiserver not ready after 3 minutes: %s", last)
		case <-time.After(500 * time.Millisecond):
		}
	}
}

func (c *cluster) spawn(bin string, args ...string) error {
	logPath := filepath.Join(c.dir, filepath.Base(bin)+".log")
	f, err := os.Create(logPath)
	if err != nil {
		return err
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = f, f
	// Its own process group, so a test binary killed mid-run does not leave it behind
	// attached to our terminal's signals, and stop() can end it alone.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		f.Close()
		return fmt.Errorf("start %s: %w", bin, err)
	}
	go func() { _ = cmd.Wait(); f.Close() }()
	c.procs = append(c.procs, cmd)
	c.logs = append(c.logs, logPath)
	return nil
}

// stop ends the API server first (it would otherwise log etcd's absence), then etcd.
func (c *cluster) stop() {
	for i := len(c.procs) - 1; i >= 0; i-- {
		p := c.procs[i]
		_ = p.Process.Signal(syscall.SIGTERM)
		deadline := time.Now().Add(10 * time.Second)
		for p.ProcessState == nil && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
		}
		if p.ProcessState == nil {
			_ = p.Process.Kill()
		}
	}
	_ = os.RemoveAll(c.dir)
}

func (c *cluster) dumpLogs() {
	for _, l := range c.logs {
		b, _ := os.ReadFile(l)
		if len(b) > 6000 {
			b = b[len(b)-6000:]
		}
		fmt.Fprintf(os.Stderr, "---- last of %s ----\n%s\n", filepath.Base(l), b)
	}
}

func freePorts(n int) ([]int, error) {
	var ports []int
	var lns []net.Listener
	defer func() {
		for _, l := range lns {
			l.Close()
		}
	}()
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		lns = append(lns, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

type pki struct {
	caCert, serverCert, serverKey, saKey string
	caPEM, adminCertPEM, adminKeyPEM     []byte
}

// writePKI makes a throwaway CA, the API server's serving certificate for 127.0.0.1, a
// client certificate for the test's administrator (group system:masters) and the service
// account signing key.
func writePKI(dir string) (*pki, error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "novera-test-ca"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, err
	}
	ca, _ := x509.ParseCertificate(caDER)
	issue := func(serial int64, subject pkix.Name, usage x509.ExtKeyUsage, ips []net.IP, dns []string) ([]byte, []byte, error) {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, nil, err
		}
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(serial), Subject: subject,
			NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
			KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage},
			IPAddresses: ips, DNSNames: dns,
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
		if err != nil {
			return nil, nil, err
		}
		kb, err := x509.MarshalECPrivateKey(key)
		if err != nil {
			return nil, nil, err
		}
		return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
			pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), nil
	}
	serverCert, serverKey, err := issue(2, pkix.Name{CommonName: "kube-apiserver"}, x509.ExtKeyUsageServerAuth,
		[]net.IP{net.ParseIP("127.0.0.1")}, []string{"localhost", "kubernetes.default.svc"})
	if err != nil {
		return nil, err
	}
	adminCert, adminKey, err := issue(3, pkix.Name{CommonName: "novera-test-admin", Organization: []string{"system:masters"}},
		x509.ExtKeyUsageClientAuth, nil, nil)
	if err != nil {
		return nil, err
	}
	saKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	p := &pki{
		caCert: filepath.Join(dir, "ca.crt"), serverCert: filepath.Join(dir, "server.crt"),
		serverKey: filepath.Join(dir, "server.key"), saKey: filepath.Join(dir, "sa.key"),
		caPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), adminCertPEM: adminCert, adminKeyPEM: adminKey,
	}
	files := map[string][]byte{
		p.caCert: p.caPEM, p.serverCert: serverCert, p.serverKey: serverKey,
		p.saKey: pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(saKey)}),
	}
	for path, b := range files {
		if err := os.WriteFile(path, b, 0o600); err != nil {
			return nil, err
		}
	}
	return p, nil
}
