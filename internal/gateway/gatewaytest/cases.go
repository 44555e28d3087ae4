package gatewaytest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// Case is one conformance case of testdata/queries.
type Case struct {
	Name      string
	Query     string
	Variables map[string]any
	// Manual is the reason the golden is hand-written ("" when recorded).
	Manual string
	// Options are the comparison options the case's header asks for.
	Options CompareOptions
	// GoldenPath is the file holding the expected response.
	GoldenPath string
	// Fetches, from a "# fetches: reviews=1 products=0" header, are the
	// number of requests named subgraphs must receive for the case (the
	// plan's choice of subgraphs, checked over both compositions).
	Fetches map[string]int
}

// LoadCases reads every <case>.graphql of dir, sorted by name.
func LoadCases(dir string) ([]Case, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.graphql"))
	if err != nil {
		return nil, fmt.Errorf("list cases: %w", err)
	}
	slices.Sort(files)
	cases := make([]Case, 0, len(files))
	for _, f := range files {
		c, err := loadCase(f)
		if err != nil {
			return nil, err
		}
		cases = append(cases, c)
	}
	return cases, nil
}

func loadCase(file string) (Case, error) {
	q, err := os.ReadFile(file)
	if err != nil {
		return Case{}, fmt.Errorf("read case: %w", err)
	}
	base := strings.TrimSuffix(file, ".graphql")
	c := Case{Name: filepath.Base(base), Query: string(q), GoldenPath: base + ".json"}
	if vb, err := os.ReadFile(base + ".vars.json"); err == nil {
		if err := json.Unmarshal(vb, &c.Variables); err != nil {
			return Case{}, fmt.Errorf("%s.vars.json: %w", base, err)
		}
	} else if !os.IsNotExist(err) {
		return Case{}, fmt.Errorf("read variables: %w", err)
	}
	// Header directives are the leading comment lines.
	sc := bufio.NewScanner(strings.NewReader(c.Query))
	var manual []string
	inManual := false
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if !strings.HasPrefix(line, "#") {
			break
		}
		text := strings.TrimSpace(strings.TrimPrefix(line, "#"))
		switch {
		case text == "unordered-lists":
			c.Options.UnorderedLists = true
			inManual = false
		case strings.HasPrefix(text, "fetches:"):
			inManual = false
			c.Fetches = map[string]int{}
			for _, kv := range strings.Fields(strings.TrimPrefix(text, "fetches:")) {
				name, n, ok := strings.Cut(kv, "=")
				v, err := strconv.Atoi(n)
				if !ok || err != nil {
					return Case{}, fmt.Errorf("%s: bad fetches header %q", file, kv)
				}
				c.Fetches[name] = v
			}
		case strings.HasPrefix(text, "manual:"):
			manual = append(manual, strings.TrimSpace(strings.TrimPrefix(text, "manual:")))
			inManual = true
		case inManual && text != "":
			manual = append(manual, text)
		}
	}
	c.Manual = strings.Join(manual, " ")
	return c, nil
}

// normalizeResponse reduces a response to the parts a golden keeps: data and
// errors with message, path and extensions.{code,serviceName}, the same
// reduction oracle/record.mjs applies.
func normalizeResponse(b []byte) ([]byte, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(b, &top); err != nil {
		return nil, fmt.Errorf("decode response: %w", err)
	}
	var buf bytes.Buffer
	buf.WriteString("{")
	if raw, ok := top["errors"]; ok {
		var errs []responseError
		if err := json.Unmarshal(raw, &errs); err != nil {
			return nil, fmt.Errorf("decode errors: %w", err)
		}
		eb, err := json.Marshal(errs)
		if err != nil {
			return nil, fmt.Errorf("encode errors: %w", err)
		}
		buf.WriteString(`"errors":`)
		buf.Write(eb)
	}
	if raw, ok := top["data"]; ok {
		if buf.Len() > 1 {
			buf.WriteString(",")
		}
		buf.WriteString(`"data":`)
		buf.Write(raw)
	}
	buf.WriteString("}")
	var out bytes.Buffer
	if err := json.Indent(&out, buf.Bytes(), "", "  "); err != nil {
		return nil, fmt.Errorf("indent response: %w", err)
	}
	out.WriteByte('\n')
	return out.Bytes(), nil
}
