package main

import (
	"fmt"
	"io"

	"go.yaml.in/yaml/v3"
)

// input is one entry of action.yml's top-level "inputs" map: what the
// runner needs to build the INPUT_* environment.
type input struct {
	Name       string
	Default    string
	HasDefault bool
}

// actionFile is the part of action.yml the harness reads. inputs stays a
// node because the runner sets INPUT_* in declaration order.
type actionFile struct {
	Inputs yaml.Node            `yaml:"inputs"`
	Runs   map[string]yaml.Node `yaml:"runs"`
}

func decodeAction(r io.Reader) (actionFile, error) {
	var a actionFile
	if err := yaml.NewDecoder(r).Decode(&a); err != nil && err != io.EOF {
		return a, err
	}
	return a, nil
}

// parseInputs reads the "inputs" map of an action.yml. A default that is
// not a scalar is refused rather than guessed at, so a harness never hands
// the action a value the runner would not.
func parseInputs(r io.Reader) ([]input, error) {
	a, err := decodeAction(r)
	if err != nil {
		return nil, err
	}
	m := &a.Inputs
	if m.Kind == 0 || m.ShortTag() == "!!null" {
		return nil, nil // an action without inputs
	}
	if m.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("line %d: inputs must be a mapping", m.Line)
	}
	var inputs []input
	seen := map[string]bool{}
	for i := 0; i+1 < len(m.Content); i += 2 {
		name, body := m.Content[i].Value, m.Content[i+1]
		if seen[name] {
			return nil, fmt.Errorf("line %d: input %q declared twice", m.Content[i].Line, name)
		}
		seen[name] = true
		var props struct {
			Default yaml.Node `yaml:"default"`
		}
		if body.Kind != yaml.MappingNode && body.ShortTag() != "!!null" {
			return nil, fmt.Errorf("line %d: input %q must be a mapping of properties", body.Line, name)
		}
		if err := body.Decode(&props); err != nil {
			return nil, fmt.Errorf("input %q: %w", name, err)
		}
		in := input{Name: name}
		if props.Default.Kind != 0 {
			if in.Default, err = scalar(&props.Default); err != nil {
				return nil, fmt.Errorf("default of input %q: %w", name, err)
			}
			in.HasDefault = true
		}
		inputs = append(inputs, in)
	}
	return inputs, nil
}

// parseRuns reads the scalar keys of action.yml's "runs" map (using, image,
// entrypoint, post-entrypoint, post-if, ...). Nested values (args, env) are
// reported with an empty value, so a caller can refuse what it cannot honour.
func parseRuns(r io.Reader) (map[string]string, error) {
	a, err := decodeAction(r)
	if err != nil {
		return nil, err
	}
	if a.Runs == nil {
		return nil, fmt.Errorf("no runs: section")
	}
	out := make(map[string]string, len(a.Runs))
	for k, v := range a.Runs {
		out[k], _ = scalar(&v)
	}
	return out, nil
}

// scalar returns a scalar node's text as the runner reads it: an empty or
// null value is "", and true or 4 are their text, since inputs are strings.
func scalar(n *yaml.Node) (string, error) {
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	switch {
	case n.Kind != yaml.ScalarNode:
		return "", fmt.Errorf("line %d: want a string, got a list or mapping", n.Line)
	case n.ShortTag() == "!!null":
		return "", nil
	}
	return n.Value, nil
}
