package dev.eventflow.clients.programs;

import dev.eventflow.clients.contracts.ContractCatalog;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.apache.avro.Schema;
import org.apache.avro.compiler.specific.SpecificCompiler;
import org.apache.avro.generic.GenericData;

/**
 * Generates and compiles the SpecificRecord classes of a contracts folder (laid out like
 * {@code schemas/avro/}) into a class folder, with the same settings as the Maven build's
 * avro-maven-plugin. Put that folder before the jar on a classpath to run the programs with
 * another version of the contracts (the tests do this with a v2 made on the fly).
 */
public final class CompileContracts {
  private CompileContracts() {}

  public static void main(String[] args) throws IOException {
    Options options = Options.parse("CompileContracts", args, Map.of("schemas", "", "out", ""));
    if (options.get("schemas").isEmpty() || options.get("out").isEmpty()) {
      throw new IllegalArgumentException("CompileContracts: --schemas DIR and --out DIR are needed");
    }
    Path schemas = Path.of(options.get("schemas"));
    Path out = Path.of(options.get("out"));
    Path sources = Files.createTempDirectory("eventflow-contracts-src");
    try {
      compile(schemas, sources, out);
    } finally {
      try (Stream<Path> walk = Files.walk(sources)) {
        walk.sorted(java.util.Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
      }
    }
  }

  private static void compile(Path schemas, Path sources, Path out) throws IOException {
    Schema.Parser parser = new Schema.Parser();
    for (String file : ContractCatalog.fromDirectory(schemas).files()) {
      Schema schema = parser.parse(schemas.resolve(file).toFile());
      SpecificCompiler compiler = new SpecificCompiler(schema);
      compiler.setStringType(GenericData.StringType.String);
      compiler.setEnableDecimalLogicalType(true);
      compiler.setFieldVisibility(SpecificCompiler.FieldVisibility.PRIVATE);
      compiler.compileToDestination(null, sources.toFile());
    }
    List<String> javaFiles = new ArrayList<>();
    try (Stream<Path> walk = Files.walk(sources)) {
      walk.filter(p -> p.toString().endsWith(".java")).forEach(p -> javaFiles.add(p.toString()));
    }
    Files.createDirectories(out);
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    if (javac == null) {
      throw new IllegalStateException("no Java compiler in this runtime: run it with a JDK");
    }
    List<String> javacArgs = new ArrayList<>(List.of("--release", "17", "-nowarn",
        "-encoding", StandardCharsets.UTF_8.name(), "-d", out.toString(),
        "-cp", System.getProperty("java.class.path")));
    javacArgs.addAll(javaFiles);
    int status = javac.run(null, null, null, javacArgs.toArray(String[]::new));
    if (status != 0) {
      throw new IllegalStateException("javac failed on the classes generated from " + schemas);
    }
    System.out.println(javaFiles.size() + " classes from " + schemas + " compiled into " + out
        + File.separator);
  }
}
