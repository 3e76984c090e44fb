// Command go_bench measures the Go binding (github.com/mindra/libmindra/bindings/go) beside
// plain Go — net/http + encoding/json, and a bufio-based SSE reader + encoding/json — in the
// same process and run, interleaved run by run, and reports medians and the ratio
// binding/plain. bench/run.sh runs it against the benchmark's nginx; the results join
// build/bench/results.jsonl in the same format as the C figures.
//
// Environment: BENCH_BASE_URL, BENCH_API_KEY, BENCH_SERVER_PID (for the server's CPU share),
// BENCH_RESULTS.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	mindra "github.com/mindra/libmindra/bindings/go"
)

const (
	slug = "bench"
	task = "Summarise the quarterly report for the board"
)

var (
	baseURL   = os.Getenv("BENCH_BASE_URL")
	apiKey    = envOr("BENCH_API_KEY", "mk_0123456789abcdef0123456789abcdef")
	serverPID = os.Getenv("BENCH_SERVER_PID")
	sink      int
)

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func die(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "go_bench: "+format+"\n", args...)
	os.Exit(1)
}

// ---- interleaved runs ------------------------------------------------------------------

type contestant struct {
	label   string
	fn      func() (figure float64, wall time.Duration)
	v       []float64
	serverS float64
	wallS   float64
	ops     float64   // operations per run, for the client CPU per operation
	cpuUS   []float64 // client CPU (user + system, whole process) per operation, per run
}

func processCPU() float64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)/1e6
}

func cpuTicks() float64 {
	if serverPID == "" {
		return 0
	}
	b, err := os.ReadFile("/proc/" + serverPID + "/stat")
	if err != nil {
		return 0
	}
	s := string(b)
	s = s[strings.LastIndexByte(s, ')')+2:]
	f := strings.Fields(s)
	// f[0] is the state (field 3): utime and stime are fields 14 and 15.
	u, _ := strconv.ParseFloat(f[11], 64)
	t, _ := strconv.ParseFloat(f[12], 64)
	return u + t
}

const ticksPerSecond = 100 // sysconf(_SC_CLK_TCK) on Linux

// BENCH_SIDE=mindra or peer runs one side only (for profiling; the peer is the last).
func interleave(cs []*contestant, runs int) {
	side := os.Getenv("BENCH_SIDE")
	for r := 0; r < runs; r++ {
		for k := range cs {
			i := k
			if r%2 == 1 {
				i = len(cs) - 1 - k
			}
			if (side == "mindra" && i == len(cs)-1) || (side == "peer" && i != len(cs)-1) {
				continue
			}
			c := cs[i]
			t0 := cpuTicks()
			c0 := processCPU()
			v, wall := c.fn()
			c1 := processCPU()
			t1 := cpuTicks()
			if c.ops > 0 {
				c.cpuUS = append(c.cpuUS, (c1-c0)*1e6/c.ops)
			}
			c.v = append(c.v, v)
			c.serverS += (t1 - t0) / ticksPerSecond
			c.wallS += wall.Seconds()
		}
	}
}

func median(v []float64) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	n := len(s)
	if n == 0 {
		return math.NaN()
	}
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

func share(c *contestant) any {
	if serverPID == "" || c.wallS == 0 {
		return nil
	}
	return c.serverS / c.wallS
}

func emit(name, unit, target string, minRatio float64, m, p *contestant, extra map[string]any) {
	mm, pm := median(m.v), median(p.v)
	ratio := mm / pm
	rec := map[string]any{
		"name": name, "unit": unit, "better": "higher", "peer_label": p.label,
		"mindra": mm, "peer": pm, "ratio": ratio, "runs": len(m.v),
		"server_cpu_mindra": share(m), "server_cpu_peer": share(p),
		"target": target, "pass": ratio >= minRatio,
	}
	for k, v := range extra {
		rec[k] = v
	}
	rec["mindra_samples"], rec["peer_samples"] = m.v, p.v
	cpuLine := ""
	if len(m.cpuUS) > 0 && len(p.cpuUS) > 0 {
		mc, pc := median(m.cpuUS), median(p.cpuUS)
		rec["mindra_cpu_us_per_op"], rec["peer_cpu_us_per_op"], rec["cpu_ratio"] = mc, pc, mc/pc
		cpuLine = fmt.Sprintf("%-30s %-10s mindra %-10.2f %s %-10.2f  CPU ratio %.2fx (lower is better)\n",
			"  (client CPU per op)", "us", mc, p.label, pc, mc/pc)
	}
	status := "MET"
	if ratio < minRatio {
		status = "MISSED"
	}
	sc := ""
	if s, ok := share(m).(float64); ok {
		ps, _ := share(p).(float64)
		sc = fmt.Sprintf("  server CPU %.0f%% / %.0f%%", 100*s, 100*ps)
	}
	fmt.Printf("%-30s %-10s mindra %-10.0f %s %-10.0f  ratio %.2fx  target %s %s%s\n",
		name, unit, mm, p.label, pm, ratio, target, status, sc)
	fmt.Print(cpuLine)
	if path := os.Getenv("BENCH_RESULTS"); path != "" {
		f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY|os.O_CREATE, 0o644)
		if err != nil {
			die("%v", err)
		}
		line, _ := json.Marshal(rec)
		f.Write(append(line, '\n'))
		f.Close()
	}
}

// ---- runs ----------------------------------------------------------------------------------

// runResponse is the run answer as plain Go decodes it: the documented fields, with the
// creation time parsed (as the binding's Execution.CreatedAt is).
type runResponse struct {
	ExecutionID    string    `json:"execution_id"`
	Status         string    `json:"status"`
	WorkflowSlug   string    `json:"workflow_slug"`
	WorkflowName   string    `json:"workflow_name"`
	StreamURL      string    `json:"stream_url"`
	CreatedAt      time.Time `json:"created_at"`
	ConversationID *string   `json:"conversation_id"`
}

type runRequest struct {
	Task     string          `json:"task"`
	Metadata json.RawMessage `json:"metadata"`
}

type plainClient struct {
	http *http.Client
	url  string
}

func newPlain(conns int) *plainClient {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = conns * 2
	t.MaxIdleConnsPerHost = conns * 2
	return &plainClient{
		http: &http.Client{Transport: t, Timeout: 30 * time.Second},
		url:  baseURL + "/v1/workflows/" + slug + "/run",
	}
}

func (p *plainClient) run(ctx context.Context) {
	body, err := json.Marshal(runRequest{Task: task, Metadata: json.RawMessage("{}")})
	if err != nil {
		die("%v", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.url, bytes.NewReader(body))
	if err != nil {
		die("%v", err)
	}
	req.Header.Set("x-api-key", apiKey)
	req.Header.Set("content-type", "application/json")
	req.Header.Set("accept", "application/json")
	resp, err := p.http.Do(req)
	if err != nil {
		die("net/http run: %v", err)
	}
	raw, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != 200 {
		die("net/http run: HTTP %d %v", resp.StatusCode, err)
	}
	var out runResponse
	if err := json.Unmarshal(raw, &out); err != nil || out.ExecutionID == "" {
		die("net/http run: bad JSON %v", err)
	}
	sink += len(out.ExecutionID) + len(out.Status) + len(out.WorkflowSlug) + len(out.WorkflowName) +
		len(out.StreamURL) + out.CreatedAt.Second() + len(resp.Header.Get("x-request-id"))
	if out.ConversationID != nil {
		sink += len(*out.ConversationID)
	}
}

func bindingRun(ctx context.Context, c *mindra.Client) {
	e, err := c.Run(ctx, slug, task, nil)
	if err != nil {
		die("binding run: %v", err)
	}
	sink += len(e.ExecutionID) + len(e.Status) + len(e.WorkflowSlug) + len(e.WorkflowName) +
		len(e.StreamURL) + e.CreatedAt.Second() + len(e.RequestID)
	if e.ConversationID != nil {
		sink += len(*e.ConversationID)
	}
}

func parallel(goroutines, calls int, one func()) time.Duration {
	var wg sync.WaitGroup
	start := make(chan struct{})
	for g := 0; g < goroutines; g++ {
		mine := calls / goroutines
		if g < calls%goroutines {
			mine++
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for i := 0; i < mine; i++ {
				one()
			}
		}()
	}
	t0 := time.Now()
	close(start)
	wg.Wait()
	return time.Since(t0)
}

// ---- SSE -----------------------------------------------------------------------------------

// sseReader is a WHATWG event-stream reader over bufio: LF, CRLF and lone CR line ends (a CR's
// LF is skipped when the next line is read, so an event is never held back waiting for it),
// comments, data joining, event names, id (without NUL) and retry. An unterminated last event
// is dropped.
type sseReader struct {
	r          *bufio.Reader
	skipLF     bool
	line       []byte
	data       []byte
	name       []byte
	id         []byte
	lastID     []byte
	retry      int64
	bomMatched int
	bomDone    bool
}

func newSSEReader(r io.Reader) *sseReader {
	return &sseReader{r: bufio.NewReaderSize(r, 64*1024), retry: -1}
}

// readLine returns the next line without its end; the slice is valid until the next call.
func (s *sseReader) readLine() ([]byte, error) {
	if s.skipLF {
		s.skipLF = false
		if b, err := s.r.Peek(1); err == nil && b[0] == '\n' {
			s.r.Discard(1)
		}
	}
	s.line = s.line[:0]
	for {
		if s.r.Buffered() == 0 {
			if _, err := s.r.Peek(1); err != nil {
				return nil, err // an unterminated last line is dropped
			}
		}
		buf, _ := s.r.Peek(s.r.Buffered())
		for !s.bomDone && len(buf) > 0 {
			if buf[0] != bom[s.bomMatched] {
				// Not a BOM after all: the bytes matched so far are line content.
				s.bomDone = true
				s.line = append(s.line, bom[:s.bomMatched]...)
				break
			}
			s.bomMatched++
			s.bomDone = s.bomMatched == len(bom)
			s.r.Discard(1)
			buf = buf[1:]
		}
		if len(buf) == 0 {
			continue
		}
		i := bytes.IndexByte(buf, '\n')
		limit := buf
		if i >= 0 {
			limit = buf[:i]
		}
		if j := bytes.IndexByte(limit, '\r'); j >= 0 {
			i = j
			s.skipLF = true
		}
		if i >= 0 {
			out := buf[:i] // the whole line is buffered: no copy (valid until the next read)
			if len(s.line) > 0 {
				s.line = append(s.line, out...)
				out = s.line
			}
			s.r.Discard(i + 1)
			return out, nil
		}
		s.line = append(s.line, buf...)
		s.r.Discard(len(buf))
	}
}

// next returns the next event's name and data (valid until the next call).
func (s *sseReader) next() (name, data, id []byte, err error) {
	for {
		line, err := s.readLine()
		if err != nil {
			return nil, nil, nil, err
		}
		if len(line) == 0 {
			if len(s.data) == 0 {
				s.name = s.name[:0]
				continue
			}
			data = s.data[:len(s.data)-1]
			name = s.name
			if len(name) == 0 {
				name = []byte("message")
			}
			s.data = s.data[:0]
			s.name = s.name[:0]
			return name, data, s.lastID, nil
		}
		if line[0] == ':' {
			continue
		}
		field, value := line, []byte(nil)
		if c := bytes.IndexByte(line, ':'); c >= 0 {
			field, value = line[:c], line[c+1:]
			if len(value) > 0 && value[0] == ' ' {
				value = value[1:]
			}
		}
		switch string(field) {
		case "data":
			s.data = append(append(s.data, value...), '\n')
		case "event":
			s.name = append(s.name[:0], value...)
		case "id":
			if bytes.IndexByte(value, 0) < 0 {
				s.lastID = append(s.lastID[:0], value...)
			}
		case "retry":
			if n, err := strconv.ParseUint(string(value), 10, 63); err == nil && len(value) > 0 &&
				value[0] >= '0' && value[0] <= '9' {
				s.retry = int64(n)
			}
		}
	}
}

var bom = []byte("\xEF\xBB\xBF")

type chunkData struct {
	Content string `json:"content"`
}

type doneData struct {
	FinalAnswer string `json:"final_answer"`
}

type sseCounts struct {
	events, contentBytes int64
	done                 bool
}

func plainStream(hc *http.Client, url string) sseCounts {
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, url, nil)
	req.Header.Set("x-api-key", apiKey)
	req.Header.Set("accept", "text/event-stream")
	req.Header.Set("cache-control", "no-cache")
	resp, err := hc.Do(req)
	if err != nil || resp.StatusCode != 200 {
		die("net/http stream: %v", err)
	}
	defer resp.Body.Close()
	r := newSSEReader(resp.Body)
	var c sseCounts
	for {
		name, data, id, err := r.next()
		if err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			die("stream read: %v", err)
		}
		sink += len(name) + len(data) + len(id)
		switch string(name) {
		case "chunk":
			var d chunkData
			if err := json.Unmarshal(data, &d); err != nil {
				die("chunk: %v", err)
			}
			c.events++
			c.contentBytes += int64(len(d.Content))
		case "done":
			var d doneData
			if err := json.Unmarshal(data, &d); err != nil {
				die("done: %v", err)
			}
			sink += len(d.FinalAnswer)
			c.done = true
			return c // closes the connection, as libmindra does at done
		default:
			c.events++
		}
	}
	return c
}

func bindingStream(client *mindra.Client, path string) sseCounts {
	s, err := client.Stream(context.Background(), path)
	if err != nil {
		die("binding stream: %v", err)
	}
	defer s.Close()
	var c sseCounts
	for s.Next() {
		ev := s.Event()
		sink += len(ev.Name()) + len(ev.Data()) + len(ev.ID())
		switch ev := ev.(type) {
		case mindra.Chunk:
			c.events++
			c.contentBytes += int64(len(ev.Content))
		case mindra.Done:
			sink += len(ev.FinalAnswer)
			c.done = true
		default:
			c.events++
		}
	}
	if err := s.Err(); err != nil {
		die("binding stream: %v", err)
	}
	return c
}

// ---- main ----------------------------------------------------------------------------------

func main() {
	calls := flag.Int("calls", 20000, "run calls per run")
	goroutines := flag.Int("goroutines", 8, "goroutines for the concurrent runs")
	runs := flag.Int("runs", 5, "runs per measurement")
	ssePath := flag.String("sse", "/sse/chunks.sse", "path of the event-stream file on the server")
	events := flag.Int64("events", 1000000, "chunk events in the file")
	chunk := flag.Int64("chunk", 64, "content bytes per chunk event")
	fileBytes := flag.Int64("bytes", 0, "size of the event-stream file")
	only := flag.String("only", "runs goroutines sse", "measurements to run")
	flag.Parse()
	if baseURL == "" {
		die("BENCH_BASE_URL is not set")
	}
	ctx := context.Background()
	opts := []mindra.Option{mindra.WithAPIKey(apiKey), mindra.WithBaseURL(baseURL)}
	// Experiments only (bench/README.md, "Profiling"): another client timeout; 0 means none.
	if ms := os.Getenv("BENCH_MINDRA_TIMEOUT_MS"); ms != "" {
		n, err := strconv.Atoi(ms)
		if err != nil {
			die("BENCH_MINDRA_TIMEOUT_MS: %v", err)
		}
		opts = append(opts, mindra.WithTimeout(time.Duration(n)*time.Millisecond))
	}
	client, err := mindra.NewClient(opts...)
	if err != nil {
		die("NewClient: %v", err)
	}
	defer client.Close()
	plain := newPlain(*goroutines)
	fmt.Printf("go_bench: %s, libmindra %s, GOMAXPROCS from %d allowed CPU(s)\n",
		runtime.Version(), mindra.Version(), runtime.NumCPU())

	if strings.Contains(*only, "runs") {
		for i := 0; i < 200; i++ {
			bindingRun(ctx, client)
			plain.run(ctx)
		}
		m := &contestant{label: "Client.Run", fn: func() (float64, time.Duration) {
			t0 := time.Now()
			for i := 0; i < *calls; i++ {
				bindingRun(ctx, client)
			}
			w := time.Since(t0)
			return float64(*calls) / w.Seconds(), w
		}}
		p := &contestant{label: "net/http+encoding/json", fn: func() (float64, time.Duration) {
			t0 := time.Now()
			for i := 0; i < *calls; i++ {
				plain.run(ctx)
			}
			w := time.Since(t0)
			return float64(*calls) / w.Seconds(), w
		}}
		m.ops, p.ops = float64(*calls), float64(*calls)
		interleave([]*contestant{m, p}, *runs)
		emit("go_run_sequential", "calls/s", ">= 1.00x net/http", 1.0, m, p,
			map[string]any{"calls_per_run": *calls})
	}
	if strings.Contains(*only, "goroutines") {
		g := *goroutines
		parallel(g, g*20, func() { bindingRun(ctx, client) })
		parallel(g, g*20, func() { plain.run(ctx) })
		m := &contestant{label: "Client.Run (shared)", fn: func() (float64, time.Duration) {
			w := parallel(g, *calls, func() { bindingRun(ctx, client) })
			return float64(*calls) / w.Seconds(), w
		}}
		p := &contestant{label: "net/http+encoding/json", fn: func() (float64, time.Duration) {
			w := parallel(g, *calls, func() { plain.run(ctx) })
			return float64(*calls) / w.Seconds(), w
		}}
		m.ops, p.ops = float64(*calls), float64(*calls)
		interleave([]*contestant{m, p}, *runs)
		emit(fmt.Sprintf("go_run_%d_goroutines", g), "calls/s", ">= 1.00x net/http", 1.0, m, p,
			map[string]any{"calls_per_run": *calls, "goroutines": g})
	}
	if strings.Contains(*only, "sse") {
		url := baseURL + *ssePath
		check := func(who string, c sseCounts) {
			if !c.done || c.events != *events || c.contentBytes != *events**chunk {
				die("%s: %d events, %d content bytes, done %v", who, c.events, c.contentBytes, c.done)
			}
		}
		var mbM, mbP []float64
		check("binding", bindingStream(client, *ssePath))
		check("plain", plainStream(plain.http, url))
		m := &contestant{label: "Stream.Next", fn: func() (float64, time.Duration) {
			t0 := time.Now()
			c := bindingStream(client, *ssePath)
			w := time.Since(t0)
			check("binding", c)
			mbM = append(mbM, float64(*fileBytes)/w.Seconds()/1e6)
			return float64(c.events) / w.Seconds(), w
		}}
		p := &contestant{label: "bufio SSE+encoding/json", fn: func() (float64, time.Duration) {
			t0 := time.Now()
			c := plainStream(plain.http, url)
			w := time.Since(t0)
			check("plain", c)
			mbP = append(mbP, float64(*fileBytes)/w.Seconds()/1e6)
			return float64(c.events) / w.Seconds(), w
		}}
		m.ops, p.ops = float64(*events), float64(*events)
		interleave([]*contestant{m, p}, *runs)
		emit("go_sse_events", "events/s", ">= 1.00x plain Go", 1.0, m, p,
			map[string]any{"mindra_mb_s": median(mbM), "peer_mb_s": median(mbP), "events": *events})
	}
	_ = sink
}
