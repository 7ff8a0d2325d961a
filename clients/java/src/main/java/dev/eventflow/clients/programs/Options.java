package dev.eventflow.clients.programs;

import java.util.LinkedHashMap;
import java.util.Map;

/** {@code --name value} command-line options with defaults; anything else is a usage error. */
final class Options {
  private final Map<String, String> values;

  private Options(Map<String, String> values) {
    this.values = values;
  }

  /** Parse {@code args} against {@code defaults} (option name without dashes -> default). */
  static Options parse(String program, String[] args, Map<String, String> defaults) {
    Map<String, String> values = new LinkedHashMap<>(defaults);
    for (int i = 0; i < args.length; i += 2) {
      String name = args[i].startsWith("--") ? args[i].substring(2) : null;
      if (name == null || !defaults.containsKey(name) || i + 1 >= args.length) {
        throw new IllegalArgumentException(program + ": bad argument " + args[i]
            + " (options, each with a value: " + String.join(", ", defaults.keySet()) + ")");
      }
      values.put(name, args[i + 1]);
    }
    return new Options(values);
  }

  String get(String name) {
    return values.get(name);
  }

  int integer(String name) {
    try {
      return Integer.parseInt(values.get(name));
    } catch (NumberFormatException exc) {
      throw new IllegalArgumentException("--" + name + " must be a whole number, got "
          + values.get(name), exc);
    }
  }
}
