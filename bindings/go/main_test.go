package mindra

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// The emulator's test key (see emulator/README.md).
const testKey = "mk_0123456789abcdef0123456789abcdef"

var (
	// baseURL is the emulator's base URL, set by TestMain.
	baseURL string
	// backgroundGC is set by forcegc_test.go (-tags forcegc): a goroutine then runs
	// runtime.GC() without pause for the whole run.
	backgroundGC bool
	taskCounter  atomic.Int64
)

// TestMain starts the emulator (MINDRA_EMULATOR_BIN, default ../../target/release/
// mindra-emulator) on a free port, runs the tests against it, and stops it.
func TestMain(m *testing.M) { os.Exit(runTests(m)) }

func runTests(m *testing.M) int {
	bin := os.Getenv("MINDRA_EMULATOR_BIN")
	if bin == "" {
		bin = filepath.Join("..", "..", "target", "release", "mindra-emulator")
	}
	cmd := exec.Command(bin, "--port", "0", "--quiet")
	// Its log (a start and a stop line with --quiet) is shown only when something fails.
	var log bytes.Buffer
	cmd.Stderr = &log
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		fmt.Fprintln(os.Stderr, "emulator:", err)
		return 1
	}
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(os.Stderr, "starting the emulator %s: %v (build it with `make build`, or set MINDRA_EMULATOR_BIN)\n", bin, err)
		return 1
	}
	code := 1
	defer func() {
		stopEmulator(cmd)
		if code != 0 {
			fmt.Fprintf(os.Stderr, "the emulator's log:\n%s", log.String())
		}
	}()

	lines := make(chan string, 1)
	r := bufio.NewReader(stdout)
	go func() {
		line, _ := r.ReadString('\n')
		lines <- strings.TrimSpace(line)
		_, _ = io.Copy(io.Discard, r) // keep draining: nothing else is expected
	}()
	select {
	case baseURL = <-lines:
	case <-time.After(30 * time.Second):
		fmt.Fprintln(os.Stderr, "the emulator did not print its base URL within 30 s")
		return 1
	}
	if !strings.HasPrefix(baseURL, "http://") {
		fmt.Fprintf(os.Stderr, "unexpected first line from the emulator: %q\n", baseURL)
		return 1
	}
	// For the tests of the environment defaults.
	os.Setenv("MINDRA_API_KEY", testKey)
	os.Setenv("MINDRA_BASE_URL", baseURL)

	if backgroundGC {
		stop := make(chan struct{})
		defer close(stop)
		go func() {
			for {
				select {
				case <-stop:
					return
				default:
					runtime.GC()
				}
			}
		}()
	}
	code = m.Run()
	return code
}

func stopEmulator(cmd *exec.Cmd) {
	_ = cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = cmd.Process.Kill()
		<-done
	}
}

// newClient returns a client of the emulator, closed when the test ends.
func newClient(t testing.TB, opts ...Option) *Client {
	t.Helper()
	c, err := NewClient(append([]Option{WithAPIKey(testKey), WithBaseURL(baseURL)}, opts...)...)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// uniqueTask returns a task string no other test uses, to find this test's requests in the
// emulator's log while tests run in parallel.
func uniqueTask(t testing.TB) string {
	return fmt.Sprintf("%s #%d", t.Name(), taskCounter.Add(1))
}

type recordedRequest struct {
	Method  string            `json:"method"`
	Path    string            `json:"path"`
	Headers map[string]string `json:"headers"`
	Body    string            `json:"body"`
}

// requestsWith returns the API requests recorded by the emulator whose body contains task
// (as a JSON string) or whose path contains it.
func requestsWith(t testing.TB, needle string) []recordedRequest {
	t.Helper()
	resp, err := http.Get(baseURL + "/_emulator/requests")
	if err != nil {
		t.Fatalf("reading the emulator's requests: %v", err)
	}
	defer resp.Body.Close()
	var all []recordedRequest
	if err := json.NewDecoder(resp.Body).Decode(&all); err != nil {
		t.Fatalf("decoding the emulator's requests: %v", err)
	}
	quoted, _ := json.Marshal(needle)
	var out []recordedRequest
	for _, r := range all {
		if strings.Contains(r.Body, string(quoted)) || strings.Contains(r.Path, needle) {
			out = append(out, r)
		}
	}
	return out
}

// collect reads a stream to its end.
func collect(t testing.TB, s *Stream) []Event {
	t.Helper()
	var evs []Event
	for s.Next() {
		evs = append(evs, s.Event())
	}
	return evs
}

// start runs slug and opens its stream, closed when the test ends.
func start(t testing.TB, c *Client, slug string, metadata any) (*Execution, *Stream) {
	t.Helper()
	exec, err := c.Run(t.Context(), slug, uniqueTask(t), metadata)
	if err != nil {
		t.Fatalf("Run(%s): %v", slug, err)
	}
	s, err := c.Stream(t.Context(), exec.StreamURL)
	if err != nil {
		t.Fatalf("Stream(%s): %v", exec.StreamURL, err)
	}
	t.Cleanup(func() { s.Close() })
	return exec, s
}

// wantKind checks that err is an *Error of kind want, matched by errors.Is with sentinel.
func wantKind(t testing.TB, err error, sentinel *Error) *Error {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %v", sentinel.Kind)
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not a *mindra.Error", err, err)
	}
	if !errors.Is(err, sentinel) {
		t.Fatalf("errors.Is(%v, Err%s) is false (kind %v)", err, sentinel.Kind, e.Kind)
	}
	return e
}
