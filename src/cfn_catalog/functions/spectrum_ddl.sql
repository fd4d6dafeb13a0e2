-- Redshift Spectrum over the clickstream data lake, for the redshift-spectrum-poc
-- stack ("From Data Lake to Data Warehouse: Enhancing Customer 360 with Amazon
-- Redshift Spectrum").
--
-- Connect as the master user: its password is in the Secrets Manager secret of
-- the MasterPasswordSecretArn output, and the PortForwardingCommand output opens
-- localhost:<port> to the cluster through the access host (SSM Session Manager).
-- Replace before running:
--   <RedshiftClusterIAMRole>  the RedshiftClusterIAMRole output (a role ARN)
--   <data-lake-bucket>        the pDataLakeBucketName parameter
--   clickstream               the pDataLakeDatabaseName parameter, if changed: the
--                             role may use only that Glue database

-- 1. An external schema mapped to a Glue Data Catalog database, created in the
--    catalog if it does not exist yet. The role associated with the cluster
--    reads the catalog and the bucket on Redshift's behalf.
CREATE EXTERNAL SCHEMA IF NOT EXISTS clickstream
FROM DATA CATALOG
DATABASE 'clickstream'
IAM_ROLE '<RedshiftClusterIAMRole>'
CREATE EXTERNAL DATABASE IF NOT EXISTS;

-- 2. The user visits of every customer, stored in the lake as Parquet under
--    s3://<data-lake-bucket>/clickstream/uservisits/customer=<n>/visitYearMonth=<yyyymm>/.
--    Partitioning by customer and month lets Spectrum read only the folders a
--    query's WHERE clause selects.
CREATE EXTERNAL TABLE clickstream.uservisits (
    sourceip      VARCHAR(116),
    desturl       VARCHAR(100),
    visitdate     DATE,
    adrevenue     REAL,
    useragent     VARCHAR(256),
    countrycode   CHAR(3),
    languagecode  CHAR(6),
    searchword    VARCHAR(32),
    duration      INTEGER
)
PARTITIONED BY (customer INTEGER, visityearmonth INTEGER)
STORED AS PARQUET
LOCATION 's3://<data-lake-bucket>/clickstream/uservisits/';

-- 3. Register each partition (one statement per customer and month; a Glue
--    crawler over the same prefix can add them instead).
ALTER TABLE clickstream.uservisits ADD IF NOT EXISTS
PARTITION (customer = 1, visityearmonth = 199201)
LOCATION 's3://<data-lake-bucket>/clickstream/uservisits/customer=1/visitYearMonth=199201/';

ALTER TABLE clickstream.uservisits ADD IF NOT EXISTS
PARTITION (customer = 2, visityearmonth = 199201)
LOCATION 's3://<data-lake-bucket>/clickstream/uservisits/customer=2/visitYearMonth=199201/';

-- 4. Check what Spectrum sees.
SELECT schemaname, tablename, "values", location
FROM svv_external_partitions
WHERE schemaname = 'clickstream' AND tablename = 'uservisits';

-- 5. Customer 360: clickstream visits from the lake joined with the customer
--    dimension of the SSB star schema loaded in the cluster (database ssb).
SELECT c.c_name,
       c.c_nation,
       uv.visityearmonth,
       COUNT(*) AS visits,
       SUM(uv.adrevenue) AS ad_revenue
FROM clickstream.uservisits uv
JOIN public.customer c ON c.c_custkey = uv.customer
WHERE uv.customer IN (1, 2)
  AND uv.visityearmonth = 199201
GROUP BY c.c_name, c.c_nation, uv.visityearmonth
ORDER BY ad_revenue DESC;
