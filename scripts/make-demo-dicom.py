#!/usr/bin/env python3
"""Make the synthetic DICOM of examples/demo-case and the damaged DICOM test fixtures (run once;
the outputs are committed).

The demo series is a fictional MRI (2021-10-15) of two series, three tiny images each, with a
Chinese series description (UTF-8, ISO_IR 192) and a DICOMDIR-free folder, as a hospital CD
copied to disk often is. The fixtures are files that must be rejected quickly and cheaply:

  tests/fixtures/dicom/huge-length.dcm   an element declaring 0xFFFFFFF0 bytes (the hazard
                                         dicom-object 0.10 answers by allocating 4 GB)
  tests/fixtures/dicom/truncated.dcm     image data cut off after 100 of 2048 bytes
  tests/fixtures/dicom/not-dicom.txt     a text file in a DICOM folder

Needs: pip install pydicom==3.0.2 numpy
"""
import os
import struct

import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, MRImageStorage

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
DEMO = os.path.join(ROOT, "examples", "demo-case", "records", "imaging", "2021-10-15_mri-dicom")
FIXTURES = os.path.join(ROOT, "tests", "fixtures", "dicom")

# Fixed UIDs under a private-use-looking root so the files are the same on every run.
ROOT_UID = "1.2.826.0.1.3680043.8.498.20211015"
STUDY_UID = ROOT_UID + ".1"


def image(series_number, description, instance, size=16):
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = MRImageStorage
    meta.MediaStorageSOPInstanceUID = f"{ROOT_UID}.{series_number}.{instance}"
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SpecificCharacterSet = "ISO_IR 192"
    ds.SOPClassUID = MRImageStorage
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.PatientName = "LI^GUOQIANG=李^国强"  # the demo patient, as a Chinese disc writes it
    ds.PatientID = "DEMO-LGQ"
    ds.PatientBirthDate = "19580512"
    ds.StudyDate = "20211015"
    ds.SeriesDate = "20211015"
    ds.Modality = "MR"
    ds.StudyDescription = "Liver MRI with contrast (synthetic demo)"
    ds.SeriesDescription = description
    ds.BodyPartExamined = "ABDOMEN"
    ds.StudyInstanceUID = STUDY_UID
    ds.SeriesInstanceUID = f"{ROOT_UID}.{series_number}"
    ds.SeriesNumber = series_number
    ds.InstanceNumber = instance
    ds.Rows = size
    ds.Columns = size
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated = 16
    ds.BitsStored = 12
    ds.HighBit = 11
    ds.PixelRepresentation = 0
    pixels = (np.arange(size * size, dtype=np.uint16).reshape(size, size) * (instance + 1)) % 4096
    ds.PixelData = pixels.tobytes()
    return ds


def main():
    os.makedirs(DEMO, exist_ok=True)
    os.makedirs(FIXTURES, exist_ok=True)
    for series_number, description in [(3, "T1 动脉期 arterial phase"), (4, "T1 门脉期 portal venous phase")]:
        for instance in range(1, 4):
            path = os.path.join(DEMO, f"S{series_number}I{instance}.dcm")
            image(series_number, description, instance).save_as(path, enforce_file_format=True)

    # An element whose declared length is far beyond the file (patched after writing).
    ds = image(9, "damaged", 1)
    ds.add_new(0x00091010, "UN", b"PLACEHOLDER!")
    path = os.path.join(FIXTURES, "huge-length.dcm")
    ds.save_as(path, enforce_file_format=True)
    data = bytearray(open(path, "rb").read())
    at = data.find(b"PLACEHOLDER!")
    # Explicit VR UN: tag(4) VR(2) reserved(2) length(4), then the value.
    data[at - 4 : at] = struct.pack("<I", 0xFFFFFFF0)
    open(path, "wb").write(bytes(data))

    # Image data cut off: the file ends 100 bytes into a 512-byte PixelData.
    path = os.path.join(FIXTURES, "truncated.dcm")
    image(9, "truncated", 2).save_as(path, enforce_file_format=True)
    data = open(path, "rb").read()
    open(path, "wb").write(data[: len(data) - 512 + 100])

    with open(os.path.join(FIXTURES, "not-dicom.txt"), "w") as f:
        f.write("Viewer software readme: not an image.\n")


if __name__ == "__main__":
    main()
