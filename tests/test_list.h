/* SPDX-License-Identifier: MIT */
/* The registry of every test: RTM_TEST(suite, name) for the function
 * test_<suite>_<name>, defined in test_<suite>.c with TEST(suite, name).
 * An X-macro list with no include guard: included plainly it declares the
 * prototypes; test_main.c includes it again with its own RTM_TEST to
 * register each test with CUnit. tests/CMakeLists.txt reads the suite names
 * from this file to make one ctest per suite. */
#ifndef RTM_TEST
#define RTM_TEST(suite, name) void test_##suite##_##name(void);
#define RTM_TEST_LIST_UNDEF
#endif

RTM_TEST(api, error_codes_pinned)
RTM_TEST(api, error_names_and_messages)
RTM_TEST(api, method_parse)
RTM_TEST(api, algorithm_names)
RTM_TEST(api, create_every_algorithm)
RTM_TEST(api, null_arguments)
RTM_TEST(api, version_macros)

RTM_TEST(pattern, malformed_reason_and_offset)
RTM_TEST(pattern, name_length_limit)
RTM_TEST(pattern, param_count_limit)
RTM_TEST(pattern, length_limit)
RTM_TEST(pattern, legacy_spellings)
RTM_TEST(pattern, valid_forms)

RTM_TEST(conflict, names_existing_route_and_changes_nothing)
RTM_TEST(conflict, all_or_nothing_across_methods)
RTM_TEST(conflict, exact_duplicate)

RTM_TEST(match, spec_example_table)
RTM_TEST(match, insertion_order_never_matters)
RTM_TEST(match, ranking_by_segment_kind)
RTM_TEST(match, ranking_between_mixed_segments)
RTM_TEST(match, backtracking)
RTM_TEST(match, greedy_splits)
RTM_TEST(match, catch_all)
RTM_TEST(match, any_routes)
RTM_TEST(match, unknown_and_case_sensitive_methods)
RTM_TEST(match, path_bytes_are_opaque)
RTM_TEST(match, no_exponential_lookups)

RTM_TEST(results, method_not_allowed_sets)
RTM_TEST(results, trailing_slash_hints)
RTM_TEST(results, params_point_into_caller_buffer)
RTM_TEST(results, ids_and_udata)

RTM_TEST(remove, as_if_never_added)
RTM_TEST(remove, enoent_changes_nothing)
RTM_TEST(remove, partial_methods)
RTM_TEST(remove, param_names_ignored_and_readd)
RTM_TEST(remove, cycles_do_not_grow_memory)

RTM_TEST(oom, create)
RTM_TEST(oom, add_every_allocation)
RTM_TEST(oom, remove_every_allocation)
RTM_TEST(oom, real_table)

RTM_TEST(noalloc, million_lookups_on_github_table)
RTM_TEST(noalloc, adaptive_with_background_thread)

RTM_TEST(tables, golden_answers_in_every_insertion_order)
RTM_TEST(tables, generated_requests_agree_with_reference)
RTM_TEST(tables, each_node_visited_at_most_once)
RTM_TEST(tables, corpus_dev)

RTM_TEST(golden, cli_prints_out_files)
RTM_TEST(golden, cli_reads_stdin_with_default_algorithm)

/* Algorithm-specific suites: registered only when the algorithm is built
 * (tests/CMakeLists.txt then skips their ctest too). */
#if RTM_HAVE_ADAPTIVE
RTM_TEST(adaptive, rule_fires_only_for_low_entropy_and_high_misses)
RTM_TEST(adaptive, budget_bounds_work_per_tick)
RTM_TEST(adaptive, sampled_metrics_feed_the_policy)
RTM_TEST(adaptive, entropy_is_normalised_shannon)
RTM_TEST(adaptive, answers_unchanged_across_reshapes_every_table)
RTM_TEST(adaptive, answers_unchanged_across_reshapes_corpus)
RTM_TEST(adaptive, insert_and_remove_expand_packed_subtrees)
RTM_TEST(adaptive, hot_index_from_traffic)
RTM_TEST(adaptive, hot_index_estimated_cover)
RTM_TEST(adaptive, hot_index_kept_while_it_answers)
RTM_TEST(adaptive, hot_index_remembers_windows)
RTM_TEST(adaptive, hot_index_full_for_broad_traffic)
RTM_TEST(adaptive, hot_index_full_only_when_it_answers)
RTM_TEST(adaptive, hot_index_wide_keys)
RTM_TEST(adaptive, hot_index_whole_segment_keys)
RTM_TEST(adaptive, hot_index_answers_as_the_record)
RTM_TEST(adaptive, hot_index_mixed_children)
RTM_TEST(adaptive, hot_index_label_lengths)
RTM_TEST(adaptive, hot_index_answers_through_the_facade)
RTM_TEST(adaptive, oom_in_reshape_and_expansion_changes_nothing)
RTM_TEST(adaptive, deep_routes_and_long_paths_in_both_encodings)
RTM_TEST(adaptive, each_node_visited_at_most_once)
RTM_TEST(adaptive, front_trials_choose_the_cheaper)
RTM_TEST(adaptive, front_trial_slices_pair_the_fronts)
RTM_TEST(adaptive, front_spans_feed_the_choice)
RTM_TEST(adaptive, mirror_packs_keep_answers_every_table)
RTM_TEST(adaptive, exact_map_answers_static_paths_only)
RTM_TEST(adaptive, exact_map_follows_the_static_share)

RTM_TEST(concurrency, readers_get_reference_answers_while_reshaping)
RTM_TEST(concurrency, policy_thread_under_live_traffic)
RTM_TEST(concurrency, free_while_the_thread_is_mid_tick)
RTM_TEST(concurrency, no_allocation_on_the_match_path_with_the_thread_running)
RTM_TEST(concurrency, short_lived_reader_threads)
#endif

#ifdef RTM_TEST_LIST_UNDEF
#undef RTM_TEST
#undef RTM_TEST_LIST_UNDEF
#endif
