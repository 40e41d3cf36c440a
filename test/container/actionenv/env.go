package main

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// inputEnvName is the variable the runner sets for an input: "INPUT_" and
// the name upper-cased with spaces turned to '_'; hyphens are kept.
func inputEnvName(name string) string {
	return "INPUT_" + strings.ToUpper(strings.ReplaceAll(name, " ", "_"))
}

// inputEnv returns "INPUT_<NAME>=value" for every declared input, in
// declaration order, as the runner builds it: the workflow's value when
// given, else the default with its ${{ }} expressions evaluated against
// contexts, else "". A with-name the action does not declare is an error
// (the runner only warns, but in a test it is always a typo).
func inputEnv(inputs []input, with map[string]string, contexts map[string]string) ([]string, error) {
	declared := make(map[string]bool, len(inputs))
	out := make([]string, 0, len(inputs))
	for _, in := range inputs {
		declared[strings.ToLower(in.Name)] = true
		value, ok := lookupFold(with, in.Name)
		if !ok && in.HasDefault {
			v, err := evaluate(in.Default, contexts)
			if err != nil {
				return nil, fmt.Errorf("default of input %q: %w", in.Name, err)
			}
			value = v
		}
		out = append(out, inputEnvName(in.Name)+"="+value)
	}
	for name := range with {
		if !declared[strings.ToLower(name)] {
			return nil, fmt.Errorf("input %q is not declared in action.yml", name)
		}
	}
	return out, nil
}

// lookupFold finds name in m ignoring case, as input names are.
func lookupFold(m map[string]string, name string) (string, bool) {
	for k, v := range m {
		if strings.EqualFold(k, name) {
			return v, true
		}
	}
	return "", false
}

var expression = regexp.MustCompile(`\$\{\{(.*?)\}\}`)

// evaluate replaces each ${{ name }} in s with contexts[name]. Only plain
// context references are supported; anything else is an error, so a
// default the harness cannot evaluate is never passed on literally.
func evaluate(s string, contexts map[string]string) (string, error) {
	var firstErr error
	out := expression.ReplaceAllStringFunc(s, func(m string) string {
		name := strings.TrimSpace(expression.FindStringSubmatch(m)[1])
		v, ok := contexts[name]
		if !ok && firstErr == nil {
			firstErr = fmt.Errorf("expression %q is not supported here (known: %s)", m, knownNames(contexts))
		}
		return v
	})
	if firstErr != nil {
		return "", firstErr
	}
	return out, nil
}

func knownNames(m map[string]string) string {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	if len(names) == 0 {
		return "none"
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}
