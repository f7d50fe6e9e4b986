variable "name" {
  description = "Glue job name."
  type        = string
}

variable "description" {
  description = "Glue job description."
  type        = string
  default     = ""
}

variable "script_path" {
  description = "Local path of the job's entry script (uploaded to the artifacts bucket, content-hashed)."
  type        = string
}

variable "artifacts_bucket" {
  description = "Name of the bucket that receives the script."
  type        = string
}

variable "script_prefix" {
  description = "Key prefix of the uploaded script."
  type        = string
  default     = "scripts"
}

variable "kms_key_arn" {
  description = "KMS key that encrypts the uploaded script."
  type        = string
}

variable "role_arn" {
  description = "IAM role the job runs as."
  type        = string
}

variable "glue_version" {
  description = "Glue version (5.1 = Spark 3.5.6, Delta 3.3.2, Python 3.11)."
  type        = string
  default     = "5.1"

  validation {
    condition     = can(regex("^[0-9]+\\.[0-9]+$", var.glue_version)) && tonumber(split(".", var.glue_version)[0]) >= 5
    error_message = "glue_version must be 5.0 or newer (the runtime pins Spark 3.5 / Delta 3.3)."
  }
}

variable "capacity" {
  description = "Worker type and count, execution class, timeout (minutes) and retries. These optional() defaults are the only job defaults: the root passes var.jobs[<stage>] through, with nulls for what it leaves out."
  type = object({
    worker_type       = optional(string, "G.1X")
    number_of_workers = optional(number, 2)
    execution_class   = optional(string, "STANDARD")
    timeout_minutes   = optional(number, 60)
    max_retries       = optional(number, 0)
  })
  default  = {}
  nullable = false

  # G.025X is for streaming jobs only ("AWS Glue worker types",
  # https://docs.aws.amazon.com/glue/latest/dg/worker-types.html); these are glueetl batch jobs.
  validation {
    condition     = contains(["G.1X", "G.2X", "G.4X", "G.8X", "G.12X", "G.16X", "R.1X", "R.2X", "R.4X", "R.8X"], var.capacity.worker_type)
    error_message = "worker_type must be one of G.1X, G.2X, G.4X, G.8X, G.12X, G.16X, R.1X, R.2X, R.4X, R.8X (G.025X is for streaming jobs only)."
  }

  validation {
    condition     = var.capacity.number_of_workers >= 2 && floor(var.capacity.number_of_workers) == var.capacity.number_of_workers
    error_message = "number_of_workers must be a whole number >= 2."
  }

  validation {
    condition     = contains(["STANDARD", "FLEX"], var.capacity.execution_class)
    error_message = "execution_class must be STANDARD or FLEX."
  }

  validation {
    condition     = var.capacity.execution_class == "STANDARD" || contains(["G.1X", "G.2X"], var.capacity.worker_type)
    error_message = "FLEX execution only runs on G.1X or G.2X workers."
  }

  validation {
    condition     = var.capacity.timeout_minutes >= 1 && var.capacity.max_retries >= 0
    error_message = "timeout_minutes must be >= 1 and max_retries >= 0."
  }
}

variable "extra_py_files" {
  description = "s3:// URIs for --extra-py-files (the lakehouse package zip)."
  type        = list(string)
  default     = []
}

variable "extra_jars" {
  description = "s3:// URIs for --extra-jars (Deequ and DQDL)."
  type        = list(string)
  default     = []
}

variable "user_jars_first" {
  description = "Pass --user-jars-first true with extra_jars, so the job's Deequ/DQDL classes win over the ones Glue ships (see README)."
  type        = bool
  default     = true
}

variable "additional_python_modules" {
  description = "pip requirements for --additional-python-modules."
  type        = list(string)
  default     = ["pydeequ==1.7.0"]
}

variable "spark_conf" {
  description = "Spark settings passed as the --conf chain (key => value)."
  type        = map(string)
  default = {
    "spark.sql.extensions"            = "io.delta.sql.DeltaSparkSessionExtension"
    "spark.sql.catalog.spark_catalog" = "org.apache.spark.sql.delta.catalog.DeltaCatalog"
  }
}

variable "datalake_formats" {
  description = "Value of --datalake-formats."
  type        = string
  default     = "delta"
}

variable "log_group_prefix" {
  description = "Value of --custom-logGroup-prefix: Glue 5 writes to <prefix>/output and <prefix>/error (create them KMS-encrypted, with retention)."
  type        = string

  validation {
    condition     = can(regex("^[^:*]{1,400}$", var.log_group_prefix)) && !endswith(var.log_group_prefix, "/")
    error_message = "log_group_prefix must be 1-400 characters without ':' or '*', and not end in '/'."
  }
}

variable "temp_dir" {
  description = "s3:// URI for --TempDir."
  type        = string
}

variable "spark_event_logs_path" {
  description = "s3:// URI for the Spark UI event logs (null disables the Spark UI)."
  type        = string
  default     = null
}

variable "security_configuration" {
  description = "Glue security configuration name (encryption of S3 output, logs, bookmarks)."
  type        = string
}

variable "job_arguments" {
  description = "The script's own arguments without the leading -- (e.g. lake_root, sources)."
  type        = map(string)
  default     = {}
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
