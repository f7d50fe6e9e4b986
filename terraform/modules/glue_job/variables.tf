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

variable "worker_type" {
  description = "Glue worker type."
  type        = string
  default     = "G.1X"

  validation {
    condition     = contains(["G.025X", "G.1X", "G.2X", "G.4X", "G.8X", "G.12X", "G.16X", "R.1X", "R.2X", "R.4X", "R.8X"], var.worker_type)
    error_message = "worker_type must be one of G.025X, G.1X, G.2X, G.4X, G.8X, G.12X, G.16X, R.1X, R.2X, R.4X, R.8X."
  }
}

variable "number_of_workers" {
  description = "Number of workers."
  type        = number
  default     = 2

  validation {
    condition     = var.number_of_workers >= 2 && floor(var.number_of_workers) == var.number_of_workers
    error_message = "number_of_workers must be a whole number >= 2."
  }
}

variable "execution_class" {
  description = "STANDARD or FLEX (spare capacity, cheaper, may start later)."
  type        = string
  default     = "STANDARD"

  validation {
    condition     = contains(["STANDARD", "FLEX"], var.execution_class)
    error_message = "execution_class must be STANDARD or FLEX."
  }

  validation {
    condition     = var.execution_class == "STANDARD" || contains(["G.1X", "G.2X"], var.worker_type)
    error_message = "FLEX execution only runs on G.1X or G.2X workers."
  }
}

variable "timeout_minutes" {
  description = "Job timeout in minutes."
  type        = number
  default     = 60
}

variable "max_retries" {
  description = "Retries after a failed run."
  type        = number
  default     = 0
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

variable "log_group_name" {
  description = "CloudWatch log group for continuous logging."
  type        = string
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
