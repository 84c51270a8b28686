/*
 * Drives libzkp.so through its C header, as a cgo coordinator would. Run by tests/common
 * (see tests/c_api.rs and tests/real_proof.rs); every check prints its outcome and the
 * process exits non-zero when one fails.
 *
 *   libzkp_test negative <task.json> <pi_hash_hex> <bogus_assets_root>
 *   libzkp_test real <config.json> <bad_config.json> <proof.json> <tampered.json>
 *                    <bare_proof.json> <task.json> <vk_id.bin> <pi_hash_hex>
 */
#define _POSIX_C_SOURCE 200809L /* strdup */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libzkp.h"

static int checks = 0;
static int failures = 0;

/* Reads a whole file into a NUL-terminated buffer; exits on failure. */
static char *read_file(const char *path, size_t *len) {
    FILE *file = fopen(path, "rb");
    if (!file) {
        fprintf(stderr, "cannot open %s\n", path);
        exit(2);
    }
    fseek(file, 0, SEEK_END);
    long size = ftell(file);
    fseek(file, 0, SEEK_SET);
    char *buffer = malloc((size_t)size + 1);
    if (!buffer || fread(buffer, 1, (size_t)size, file) != (size_t)size) {
        fprintf(stderr, "cannot read %s\n", path);
        exit(2);
    }
    fclose(file);
    buffer[size] = '\0';
    if (len) {
        *len = (size_t)size;
    }
    return buffer;
}

/* The calling thread's last error, copied (empty when there is none). */
static char *error_text(void) {
    char *error = last_error();
    char *copy = strdup(error ? error : "");
    release_string(error);
    return copy;
}

static void check(int ok, const char *what, int line) {
    checks++;
    if (!ok) {
        failures++;
    }
    char *error = error_text();
    printf("%s line %d: %s [last_error: %s]\n", ok ? "ok  " : "FAIL", line, what, error);
    free(error);
}

#define CHECK(cond) check((cond), #cond, __LINE__)

/* The call failed (zero) and last_error mentions `needle`. */
static int failed_with(int result, const char *needle) {
    char *error = error_text();
    int ok = result == 0 && strstr(error, needle) != NULL;
    if (!ok) {
        printf("     expected a failure mentioning \"%s\", got result %d, error \"%s\"\n", needle,
               result, error);
    }
    free(error);
    return ok;
}

static int no_error(void) {
    char *error = last_error();
    int none = error == NULL;
    release_string(error);
    return none;
}

static void to_hex(const uint8_t bytes[32], char out[65]) {
    for (int i = 0; i < 32; i++) {
        sprintf(out + 2 * i, "%02x", bytes[i]);
    }
}

static int contains(const char *text, const char *needle) {
    return text != NULL && strstr(text, needle) != NULL;
}

static int failed_task(HandlingResult result, const char *needle) {
    int ok = failed_with(result.ok, needle) && result.universal_task == NULL &&
             result.metadata == NULL;
    release_task_result(result);
    return ok;
}

static int negative(char **argv) {
    const char *task = read_file(argv[2], NULL);
    const char *pi_hash_hex = argv[3];
    const char *bogus_root = argv[4];
    const uint8_t vk[] = "some key";
    const size_t vk_len = sizeof vk - 1;
    char config[4096];

    init_tracing();
    init_tracing();
    CHECK(no_error());

    /* No verifier yet. */
    CHECK(failed_with(verify_chunk_proof("{}", "galileo"), "init_verifier first"));

    /* init_verifier refuses bad configs and stays uninitialised. */
    CHECK(failed_with(init_verifier(NULL), "`config_json` is a null pointer"));
    CHECK(failed_with(init_verifier("not json"), "malformed verifier config"));
    CHECK(failed_with(init_verifier("{\"circuits\": []}"), "no circuits"));
    CHECK(failed_with(
        init_verifier("{\"circuits\":[{\"fork_name\":\"nofork\",\"assets_path\":\"/\"}]}"),
        "unknown fork"));
    CHECK(failed_with(init_verifier("{\"circuits\":[{\"fork_name\":\"Galileo\","
                                    "\"assets_path\":\"/nonexistent-rollproof-assets\"}]}"),
                      "/nonexistent-rollproof-assets/galileo/manifest.json"));
    snprintf(config, sizeof config,
             "{\"circuits\":[{\"fork_name\":\"galileo\",\"assets_path\":\"%s\"}]}", bogus_root);
    CHECK(failed_with(init_verifier(config), "malformed verifying key"));
    snprintf(config, sizeof config,
             "{\"circuits\":[{\"fork_name\":\"galileo\",\"assets_path\":\"%s/galileo\"}]}",
             bogus_root);
    CHECK(failed_with(init_verifier(config), "assets root"));
    CHECK(failed_with(verify_chunk_proof("{}", "galileo"), "init_verifier first"));

    /* Bad arguments to the verifiers. */
    CHECK(failed_with(verify_chunk_proof(NULL, "galileo"), "`proof_json` is a null pointer"));
    CHECK(failed_with(verify_chunk_proof("{}", NULL), "`fork_name` is a null pointer"));
    CHECK(failed_with(verify_chunk_proof("\xff\xfe", "galileo"), "not valid UTF-8"));
    CHECK(failed_with(verify_chunk_proof("{}", "nofork"), "unknown fork"));
    CHECK(failed_with(verify_batch_proof("{}", "galileo"), "init_verifier first"));
    CHECK(failed_with(verify_bundle_proof("{}", "galileo"), "init_verifier first"));

    /* A real chunk witness makes a task; its metadata wraps a proof. */
    HandlingResult result = gen_universal_task(0, task, "GALILEO", vk, vk_len);
    CHECK(result.ok != 0);
    CHECK(no_error());
    CHECK(contains(result.universal_task, "\"identifier\":\"1-1\""));
    CHECK(contains(result.universal_task, "\"fork_name\":\"galileo\""));
    CHECK(contains(result.universal_task, "\"vk\":\"c29tZSBrZXk=\""));
    CHECK(contains(result.metadata, "\"chunk_info\""));
    char hex[65];
    to_hex(result.expected_pi_hash, hex);
    printf("     expected_pi_hash %s\n", hex);
    CHECK(strcmp(hex, pi_hash_hex) == 0);
    char *wrapped = gen_wrapped_proof("\"AQID\"", result.metadata, (const char *)vk, vk_len);
    CHECK(contains(wrapped, "\"proof\":\"AQID\""));
    CHECK(contains(wrapped, "\"vk\":\"c29tZSBrZXk=\""));
    CHECK(contains(wrapped, "\"git_version\""));
    CHECK(contains(wrapped, "\"chunk_total_gas\""));
    release_string(wrapped);
    /* The wrapped proof is not a valid proof, and there is no verifier anyway. */
    CHECK(failed_with(gen_wrapped_proof("AQID", result.metadata, (const char *)vk, vk_len) != NULL,
                      "bare proof"));
    CHECK(failed_with(gen_wrapped_proof("\"AQID\"", "[1]", (const char *)vk, vk_len) != NULL,
                      "metadata"));
    CHECK(failed_with(gen_wrapped_proof(NULL, result.metadata, (const char *)vk, vk_len) != NULL,
                      "`proof_json` is a null pointer"));
    CHECK(failed_with(gen_wrapped_proof("\"AQID\"", NULL, (const char *)vk, vk_len) != NULL,
                      "`metadata` is a null pointer"));
    CHECK(failed_with(gen_wrapped_proof("\"AQID\"", result.metadata, NULL, 4) != NULL,
                      "`vk` is a null pointer"));
    /* Releasing keeps the last error; the next call clears it. */
    release_task_result(result);
    CHECK(failed_with(0, "`vk` is a null pointer"));
    init_tracing();
    CHECK(no_error());

    /* Tasks that cannot be built. */
    CHECK(failed_task(gen_universal_task(0, "garbage", "galileo", vk, vk_len),
                      "malformed chunk task"));
    CHECK(failed_task(gen_universal_task(0, "{\"witness\":\"AAEC\"}", "galileo", vk, vk_len),
                      "chunk witness"));
    CHECK(failed_task(gen_universal_task(0, task, "galileov2", vk, vk_len),
                      "the witness is for fork galileo, the task for galileov2"));
    CHECK(failed_task(gen_universal_task(0, task, "nofork", vk, vk_len), "unknown fork"));
    CHECK(failed_task(gen_universal_task(1, task, "galileo", vk, vk_len),
                      "malformed batch task"));
    CHECK(failed_task(gen_universal_task(2, task, "galileo", vk, vk_len),
                      "malformed bundle task"));
    CHECK(failed_task(gen_universal_task(7, task, "galileo", vk, vk_len), "unknown task type 7"));
    CHECK(failed_task(gen_universal_task(0, NULL, "galileo", vk, vk_len),
                      "`task_json` is a null pointer"));
    CHECK(failed_task(gen_universal_task(0, task, NULL, vk, vk_len),
                      "`fork_name` is a null pointer"));
    CHECK(failed_task(gen_universal_task(0, task, "galileo", NULL, vk_len),
                      "`expected_vk` is a null pointer"));
    CHECK(failed_task(gen_universal_task(0, task, "galileo", NULL, 0), "no verifying key"));

    /* Releasing nothing is fine, and keeps the last error. */
    release_string(NULL);
    HandlingResult empty = {0, NULL, NULL, {0}};
    release_task_result(empty);
    CHECK(failed_with(0, "no verifying key"));
    return 0;
}

static int real(char **argv) {
    const char *config = read_file(argv[2], NULL);
    const char *bad_config = read_file(argv[3], NULL);
    const char *proof = read_file(argv[4], NULL);
    const char *tampered = read_file(argv[5], NULL);
    const char *bare_proof = read_file(argv[6], NULL);
    const char *task = read_file(argv[7], NULL);
    size_t vk_len = 0;
    const char *vk = read_file(argv[8], &vk_len);
    const char *pi_hash_hex = argv[9];

    init_tracing();
    CHECK(init_verifier(config) == 1);
    CHECK(no_error());

    /* The real proof verifies, under any spelling of its fork. */
    CHECK(verify_chunk_proof(proof, "galileo") != 0);
    CHECK(no_error());
    CHECK(verify_chunk_proof(proof, "GalileO") != 0);

    /* Forgeries and mistakes do not. */
    CHECK(failed_with(verify_chunk_proof(tampered, "galileo"), "invalid proof"));
    CHECK(failed_with(verify_chunk_proof(proof, "galileov2"), "no verifier for fork galileov2"));
    CHECK(failed_with(verify_chunk_proof(proof, "nofork"), "unknown fork"));
    CHECK(failed_with(verify_chunk_proof("{\"metadata\": 1}", "galileo"), "malformed proof"));
    CHECK(failed_with(verify_chunk_proof("", "galileo"), "malformed proof"));
    CHECK(failed_with(verify_batch_proof(proof, "galileo"),
                      "fork galileo has no batch verifier"));
    CHECK(failed_with(verify_bundle_proof(proof, "galileo"),
                      "fork galileo has no bundle verifier"));

    /* The coordinator's path: task from the witness, then the prover's bare proof wrapped
       with the task's metadata and the fork's key verifies. */
    HandlingResult result = gen_universal_task(0, task, "galileo", (const uint8_t *)vk, vk_len);
    CHECK(result.ok != 0);
    char hex[65];
    to_hex(result.expected_pi_hash, hex);
    printf("     expected_pi_hash %s\n", hex);
    CHECK(strcmp(hex, pi_hash_hex) == 0);
    char *wrapped = gen_wrapped_proof(bare_proof, result.metadata, vk, vk_len);
    CHECK(wrapped != NULL);
    CHECK(verify_chunk_proof(wrapped, "galileo") != 0);
    release_string(wrapped);
    /* Wrapped with another key, it is refused. */
    wrapped = gen_wrapped_proof(bare_proof, result.metadata, vk, vk_len - 1);
    CHECK(wrapped != NULL);
    CHECK(failed_with(verify_chunk_proof(wrapped, "galileo"), "another verifying key"));
    release_string(wrapped);
    release_task_result(result);

    /* A failed re-initialisation keeps the loaded verifier. */
    CHECK(failed_with(init_verifier(bad_config), "galileo"));
    CHECK(verify_chunk_proof(proof, "galileo") != 0);
    /* A good one replaces it. */
    CHECK(init_verifier(config) == 1);
    CHECK(verify_chunk_proof(proof, "galileo") != 0);
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 5 && strcmp(argv[1], "negative") == 0) {
        negative(argv);
    } else if (argc == 10 && strcmp(argv[1], "real") == 0) {
        real(argv);
    } else {
        fprintf(stderr, "usage: see the comment at the top of libzkp_test.c\n");
        return 2;
    }
    printf("%d checks, %d failed\n", checks, failures);
    return failures == 0 ? 0 : 1;
}
