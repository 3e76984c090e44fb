package mindra_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	mindra "github.com/mindra/libmindra/bindings/go"
)

// Compiled but not run (no Output comment): they need a server. The tests cover the same
// calls against the emulator.

func Example() {
	ctx := context.Background()
	client, err := mindra.NewClient() // MINDRA_API_KEY, MINDRA_BASE_URL
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()

	res, err := client.RunAndWait(ctx, "approval", "Email the weekly report", nil,
		func(ev mindra.Event) (mindra.Decision, error) {
			switch ev := ev.(type) {
			case mindra.Chunk:
				fmt.Print(ev.Content)
			case mindra.ApprovalRequest:
				return mindra.Approve("reviewed"), nil
			}
			return mindra.NoDecision, nil
		})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("\nfinal answer:", res.FinalAnswer)
}

func ExampleClient_Stream() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	client, err := mindra.NewClient(mindra.WithTimeout(10 * time.Second))
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()

	exec, err := client.Run(ctx, "hello", "Say hello", map[string]string{"source": "example"})
	if err != nil {
		log.Fatal(err)
	}
	stream, err := client.Stream(ctx, exec.ExecutionID)
	if err != nil {
		log.Fatal(err)
	}
	defer stream.Close()
	for stream.Next() {
		switch ev := stream.Event().(type) {
		case mindra.Chunk:
			fmt.Print(ev.Content)
		case mindra.ToolExecuting:
			fmt.Printf("\n[%s %s]\n", ev.ToolName, ev.ToolInput)
		case mindra.Done:
			fmt.Println("\n" + ev.FinalAnswer)
		}
	}
	if err := stream.Err(); err != nil {
		log.Fatal(err)
	}
}

func ExampleError() {
	client, err := mindra.NewClient()
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()

	_, err = client.Run(context.Background(), "no-such-workflow", "task", nil)
	var e *mindra.Error
	switch {
	case errors.Is(err, mindra.ErrNotFound) && errors.As(err, &e):
		fmt.Println("no such workflow:", e.Code, e.RequestID)
	case errors.Is(err, mindra.ErrRateLimited):
		fmt.Println("slow down")
	case err != nil:
		log.Fatal(err)
	}
}
