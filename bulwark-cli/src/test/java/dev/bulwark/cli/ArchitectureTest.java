package dev.bulwark.cli;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The boundaries of docs/design.md, checked on the compiled classes of every module the command
 * line is built from (core, the JDBC ledgers, the server, metrics and the CLI itself).
 */
class ArchitectureTest {
    private static JavaClasses classes;

    @BeforeAll
    static void importClasses() {
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.bulwark");
    }

    @Test
    void other_modules_use_only_cores_published_packages() {
        noClasses().that().resideInAnyPackage("dev.bulwark.jdbc..", "dev.bulwark.server..", "dev.bulwark.cli..",
                        "dev.bulwark.metrics..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.bulwark.internal..", "dev.bulwark.exec.internal..")
                .because("core's internal packages may change at any time; what other modules need is published "
                        + "(dev.bulwark.engine for claim sources such as the workers, dev.bulwark.util for durations, JSON, globs)")
                .check(classes);
    }

    @Test
    void a_module_keeps_its_internal_packages_to_itself() {
        noClasses().that().resideOutsideOfPackage("dev.bulwark.jdbc..")
                .should().dependOnClassesThat().resideInAPackage("dev.bulwark.jdbc.internal..").check(classes);
        noClasses().that().resideOutsideOfPackage("dev.bulwark.server..")
                .should().dependOnClassesThat().resideInAPackage("dev.bulwark.server.internal..").check(classes);
    }

    @Test
    void core_layers_point_one_way_model_then_ledger_then_engine_then_the_runner() {
        noClasses().that().resideInAnyPackage("dev.bulwark.ledger..", "dev.bulwark.breaker..", "dev.bulwark.util..",
                        "dev.bulwark.engine..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.bulwark.internal..")
                .because("the in-process runner (dev.bulwark.internal) is built on the engine, ledgers and breakers, not under them")
                .check(classes);
        noClasses().that().resideInAnyPackage("dev.bulwark.ledger..", "dev.bulwark.breaker..", "dev.bulwark.util..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.bulwark.engine..")
                .check(classes);
    }

    @Test
    void no_cycles_between_the_modules_and_their_packages() {
        slices().matching("dev.bulwark.(*)..").should().beFreeOfCycles().check(classes);
    }

    @Test
    void core_knows_no_other_module() {
        noClasses().that().resideInAnyPackage("dev.bulwark", "dev.bulwark.internal..", "dev.bulwark.engine..",
                        "dev.bulwark.ledger..", "dev.bulwark.breaker..", "dev.bulwark.exec..", "dev.bulwark.http..",
                        "dev.bulwark.util..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.bulwark.jdbc..", "dev.bulwark.server..",
                        "dev.bulwark.cli..", "dev.bulwark.metrics..")
                .check(classes);
    }
}
