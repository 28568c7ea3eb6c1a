// Package chromiumtest drives Debian's headless Chromium from a Go test through chromedriver's
// W3C WebDriver HTTP API: open a page, run scripts, type, click and take screenshots. It is
// what the playground's tests (and the stack's) use to look at the page as a person would.
//
//	b := chromiumtest.Start(t)
//	b.Open(srv.URL() + "/")
//	b.TypeInto("#input", "/headpat member:@player2"+chromiumtest.Enter)
//	b.WaitJS("the embed", 10*time.Second, `return document.querySelector('.embed')?.textContent || ''`)
package chromiumtest

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"image/color"
	"image/png"
	"io"
	"net"
	"net/http"
	"os/exec"
	"strconv"
	"testing"
	"time"
)

// browserFlags keep headless Chromium quiet and self-contained: no sandbox (the tests run as
// root), no GPU, and no calls home, which the machine could not make anyway.
var browserFlags = []string{
	"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
	"--disable-background-networking", "--disable-component-update", "--disable-sync",
	"--disable-dev-shm-usage", "--window-size=1400,900", "--force-device-scale-factor=1",
}

// elementKey is the key under which WebDriver returns an element reference.
const elementKey = "element-6066-11e4-a52e-4f735466cecf"

// Enter is the WebDriver key code of the Enter key, for TypeInto.
const Enter = "\uE007"

// Browser is one headless Chromium session.
type Browser struct {
	t       *testing.T
	base    string // chromedriver's URL
	session string
	hc      *http.Client
}

// Start runs chromedriver and opens a headless Chromium session; both end with the test. A
// missing chromium or chromedriver fails the test with how to install it.
func Start(t *testing.T) *Browser {
	t.Helper()
	driver, err := exec.LookPath("chromedriver")
	if err != nil {
		t.Fatalf("chromedriver is not installed (%v): run `bash scripts/prerequisites.sh` from the repository root, "+
			"which `make test` runs first, or `apt-get install -y chromium chromium-driver`", err)
	}
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatalf("chromium is not installed (%v): `apt-get install -y chromium chromium-driver`", err)
	}
	port := freePort(t)
	cmd := exec.Command(driver, "--port="+strconv.Itoa(port), "--log-level=WARNING")
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatalf("start chromedriver: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("chromedriver output:\n%s", logs.String())
		}
	})
	b := &Browser{t: t, base: "http://127.0.0.1:" + strconv.Itoa(port), hc: &http.Client{Timeout: 30 * time.Second}}
	b.waitDriver()

	args := append([]string{"--user-data-dir=" + t.TempDir()}, browserFlags...)
	var created struct {
		SessionID string `json:"sessionId"`
	}
	b.call(http.MethodPost, "/session", map[string]any{"capabilities": map[string]any{"alwaysMatch": map[string]any{
		"browserName":        "chrome",
		"goog:chromeOptions": map[string]any{"binary": chromium, "args": args},
	}}}, &created)
	b.session = created.SessionID
	t.Cleanup(func() {
		// Ends Chromium; chromedriver is killed after.
		_ = b.do(http.MethodDelete, "/session/"+b.session, nil, nil)
	})
	return b
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func (b *Browser) waitDriver() {
	b.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var st struct {
			Ready bool `json:"ready"`
		}
		if err := b.do(http.MethodGet, "/status", nil, &st); err == nil && st.Ready {
			return
		} else if time.Now().After(deadline) {
			b.t.Fatalf("chromedriver not ready after 10 s: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// do sends one WebDriver command and decodes its "value" into out.
func (b *Browser) do(method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		js, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(js)
	}
	req, err := http.NewRequest(method, b.base+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := b.hc.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return err
	}
	var env struct {
		Value json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(raw, &env); err != nil {
		return fmt.Errorf("%s %s: %d %s", method, path, res.StatusCode, raw)
	}
	if res.StatusCode != http.StatusOK {
		var e struct {
			Error   string `json:"error"`
			Message string `json:"message"`
		}
		_ = json.Unmarshal(env.Value, &e)
		return fmt.Errorf("%s %s: %s: %s", method, path, e.Error, e.Message)
	}
	if out != nil {
		return json.Unmarshal(env.Value, out)
	}
	return nil
}

func (b *Browser) call(method, path string, body, out any) {
	b.t.Helper()
	if err := b.do(method, path, body, out); err != nil {
		b.t.Fatal(err)
	}
}

// Open loads url in the window.
func (b *Browser) Open(url string) {
	b.t.Helper()
	b.call(http.MethodPost, "/session/"+b.session+"/url", map[string]any{"url": url}, nil)
}

// Eval runs script (a function body; arguments[i] are args) in the page and decodes what it
// returns into out (nil to ignore it).
func (b *Browser) Eval(out any, script string, args ...any) error {
	if args == nil {
		args = []any{}
	}
	return b.do(http.MethodPost, "/session/"+b.session+"/execute/sync", map[string]any{"script": script, "args": args}, out)
}

// WaitJS polls script until it returns a non-empty string, which it returns; after timeout
// it fails the test, naming what it waited for.
func (b *Browser) WaitJS(what string, timeout time.Duration, script string, args ...any) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.t.Context(), timeout)
	defer cancel()
	var last error
	start := time.Now()
	for {
		var got string
		if err := b.Eval(&got, script, args...); err != nil {
			last = err
		} else if got != "" {
			b.t.Logf("%s: after %v", what, time.Since(start).Round(time.Millisecond))
			return got
		}
		select {
		case <-ctx.Done():
			b.t.Fatalf("waiting %v for %s: %v", timeout, what, errors.Join(ctx.Err(), last))
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// element finds the first element matching a CSS selector and returns its WebDriver id.
func (b *Browser) element(css string) string {
	b.t.Helper()
	var ref map[string]string
	b.call(http.MethodPost, "/session/"+b.session+"/element", map[string]any{"using": "css selector", "value": css}, &ref)
	if ref[elementKey] == "" {
		b.t.Fatalf("find %s: got %v", css, ref)
	}
	return ref[elementKey]
}

// Click clicks the first element matching a CSS selector, as a mouse would.
func (b *Browser) Click(css string) {
	b.t.Helper()
	b.call(http.MethodPost, "/session/"+b.session+"/element/"+b.element(css)+"/click", map[string]any{}, nil)
}

// TypeInto types text into the first element matching a CSS selector; end it with Enter to
// press Enter.
func (b *Browser) TypeInto(css, text string) {
	b.t.Helper()
	b.call(http.MethodPost, "/session/"+b.session+"/element/"+b.element(css)+"/value", map[string]any{"text": text}, nil)
}

// Screenshot returns a PNG of the window.
func (b *Browser) Screenshot() []byte {
	b.t.Helper()
	var enc string
	b.call(http.MethodGet, "/session/"+b.session+"/screenshot", nil, &enc)
	png, err := base64.StdEncoding.DecodeString(enc)
	if err != nil {
		b.t.Fatalf("screenshot: %v", err)
	}
	return png
}

// CheckPageErrors fails the test if the page recorded script errors in
// window.playgroundErrors (the playground does).
func (b *Browser) CheckPageErrors() {
	b.t.Helper()
	var errs []string
	if err := b.Eval(&errs, `return window.playgroundErrors || []`); err != nil {
		b.t.Fatal(err)
	}
	for _, e := range errs {
		b.t.Errorf("script error in the page: %s", e)
	}
}

// CheckScreenshot fails the test unless shot is a real picture of a page: a PNG of at least
// 1000×600 pixels with many colours and a vertical run of at least minRun pixels of the colour
// rgb (0xRRGGBB), such as an embed's colour bar. It logs what it found.
func CheckScreenshot(t *testing.T, shot []byte, rgb, minRun int) {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(shot))
	if err != nil {
		t.Fatalf("screenshot is not a PNG: %v", err)
	}
	want := color.RGBA{R: uint8(rgb >> 16), G: uint8(rgb >> 8), B: uint8(rgb), A: 255}
	r := img.Bounds()
	if r.Dx() < 1000 || r.Dy() < 600 {
		t.Errorf("screenshot is %dx%d, want at least 1000x600", r.Dx(), r.Dy())
	}
	colours := map[color.RGBA]bool{}
	best := 0
	for x := r.Min.X; x < r.Max.X; x++ {
		run := 0
		for y := r.Min.Y; y < r.Max.Y; y++ {
			c := color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)
			if len(colours) < 5000 {
				colours[c] = true
			}
			if c == want {
				run++
				best = max(best, run)
			} else {
				run = 0
			}
		}
	}
	if len(colours) < 50 {
		t.Errorf("screenshot has %d colours: a blank page?", len(colours))
	}
	if best < minRun {
		t.Errorf("no bar of colour #%06x on the screenshot (longest column %d px, want %d)", rgb, best, minRun)
	}
	t.Logf("screenshot: %dx%d, %d bytes, #%06x column %d px", r.Dx(), r.Dy(), len(shot), rgb, best)
}
