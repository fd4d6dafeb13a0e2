-- Cross-cluster diagnostic queries in Amazon Athena over the Redshift system
-- tables exported by redshift-stl-export and cataloged by redshift-stl-catalog
-- (database redshift_query_logs_db, tables ext_<system table>).
--
-- Every table is partitioned by "cluster" (the cluster identifier) and "date"
-- (yyyy-mm-dd, the day the row's query or event started): filter on "date" so
-- Athena reads only the days you ask for. Both names are quoted because DATE
-- is a reserved word. Timestamps are UTC, as Redshift logs them.

-- 1. The 20 longest-running queries of the last 7 days, across all clusters.
SELECT "cluster",
       query,
       userid,
       trim("database") AS database_name,
       starttime,
       endtime,
       date_diff('second', starttime, endtime) AS duration_seconds,
       substr(trim(querytxt), 1, 200) AS query_text
FROM redshift_query_logs_db.ext_stl_query
WHERE "date" >= cast(current_date - INTERVAL '7' DAY AS varchar)
  AND aborted = 0
ORDER BY duration_seconds DESC
LIMIT 20;

-- 2. WLM queue waits per cluster, day and queue (service classes above 5 are
--    user queues): where queries wait for a slot instead of running.
SELECT "cluster",
       "date",
       service_class,
       count(*) AS queries,
       round(avg(total_queue_time) / 1e6, 2) AS avg_queue_seconds,
       round(max(total_queue_time) / 1e6, 2) AS max_queue_seconds,
       round(sum(total_exec_time) / 1e6, 2) AS total_exec_seconds
FROM redshift_query_logs_db.ext_stl_wlm_query
WHERE "date" >= cast(current_date - INTERVAL '7' DAY AS varchar)
  AND service_class > 5
GROUP BY "cluster", "date", service_class
ORDER BY avg_queue_seconds DESC;

-- 3. Optimizer alerts (missing statistics, nested loops, large deletes...)
--    by cluster and scanned table, with Redshift's suggested solution: the
--    tables to vacuum, analyze or redesign first, across the whole fleet.
SELECT a."cluster",
       trim(s.perm_table_name) AS table_name,
       trim(a.event) AS event,
       trim(a.solution) AS solution,
       count(DISTINCT a.query) AS queries,
       max(a.event_time) AS last_seen
FROM redshift_query_logs_db.ext_stl_alert_event_log a
JOIN redshift_query_logs_db.ext_stl_scan s
  ON s."cluster" = a."cluster"
 AND s.query = a.query
 AND s.slice = a.slice
 AND s.segment = a.segment
 AND s.step = a.step
WHERE a."date" >= cast(current_date - INTERVAL '7' DAY AS varchar)
  AND s."date" >= cast(current_date - INTERVAL '8' DAY AS varchar)
GROUP BY a."cluster", trim(s.perm_table_name), trim(a.event), trim(a.solution)
ORDER BY queries DESC
LIMIT 50;
